//! A request from the host's split, and an ACK's facts.
use super::*;

#[test]
fn ack_facts_stop_after_via_to_and_call_id() {
    let ack = "ACK sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@x>;tag=t1\r\nCall-ID: c1\r\nCSeq: 1 ACK\r\nCSeq: 2 ACK\r\n\r\n";
    // The full read refuses the duplicate CSeq; the ACK filter's read never gets there.
    assert_eq!(
        Request::parse(ack.as_bytes()).err(),
        Some(ParseError::Duplicate(HeaderKind::CSeq))
    );
    let r = Request::parse_ack_facts(ack.as_bytes(), ParserMode::Strict).unwrap();
    assert_eq!(r.to_tag(), Some(&b"t1"[..]));
    assert_eq!(r.call_id(), Some(&b"c1"[..]));
    // Without a Call-ID it reads to the end, like the full read.
    let no_cid = ack.replace("Call-ID: c1\r\n", "");
    assert_eq!(
        Request::parse_ack_facts(no_cid.as_bytes(), ParserMode::Strict).err(),
        Some(ParseError::Duplicate(HeaderKind::CSeq))
    );
}

#[test]
fn a_split_head_may_end_with_the_buffer() {
    // A datagram that ends after its last header line, without the empty line: the host took
    // it as a whole message, so a split request ends there; read from its bytes alone, it is
    // not known to be complete.
    let m = BASIC.strip_suffix("\r\n").unwrap();
    assert_eq!(
        Request::parse(m.as_bytes()).err(),
        Some(ParseError::Truncated)
    );
    let (split, _) = crate::fuzzing::split_at(BASIC.as_bytes(), 3, ParserMode::Strict).unwrap();
    let req = Request::from_split(m.as_bytes(), split, ParserMode::Strict).unwrap();
    let kinds: Vec<_> = req.headers().map(|h| h.unwrap().kind).collect();
    assert_eq!(
        kinds,
        [
            HeaderKind::CallId,
            HeaderKind::CSeq,
            HeaderKind::ContentLength
        ]
    );
    // A last line without its line end is still refused.
    let cut = BASIC.strip_suffix("\r\n\r\n").unwrap();
    let (split, _) = crate::fuzzing::split_at(BASIC.as_bytes(), 3, ParserMode::Strict).unwrap();
    let req = Request::from_split(cut.as_bytes(), split, ParserMode::Strict).unwrap();
    assert!(req.headers().any(|h| h.is_err()));
}

#[test]
fn a_split_keeps_the_first_to_and_call_id_and_checks_its_ranges() {
    // The host split up to the first To (but not Call-ID); a second To and Call-ID follow.
    let m = BASIC.replace(
        "Call-ID: call-1@192.0.2.1\r\n",
        "To: <sip:x>;tag=second\r\nCall-ID: call-1@192.0.2.1\r\nCall-ID: other\r\n",
    );
    let full = Request::parse(BASIC.as_bytes()).unwrap();
    let (mut s, _) = crate::fuzzing::split_at(BASIC.as_bytes(), 3, ParserMode::Strict).unwrap();
    assert!(s.call_id.is_none() && s.to.is_some());
    let r = Request::from_split(m.as_bytes(), s.clone(), ParserMode::Strict).unwrap();
    assert_eq!(r.to_tag(), full.to_tag());
    assert_eq!(r.call_id(), Some(&b"call-1@192.0.2.1"[..]));
    // And the other way round: Call-ID split, To not yet.
    let mut s2 = s.clone();
    s2.call_id = Some(Span::new(0, 1));
    s2.to = None;
    let r = Request::from_split(m.as_bytes(), s2, ParserMode::Strict).unwrap();
    assert_eq!(
        r.to_tag(),
        Some(&b"second"[..]),
        "the first To after the split"
    );
    assert_eq!(r.call_id(), Some(&m.as_bytes()[..1]));
    // A Call-ID the host already read wins over one the rest shows before its To.
    let early = BASIC.replace(
        "To: Bob <sip:b@example.com>\r\nCall-ID: call-1@192.0.2.1\r\n",
        "Call-ID: other\r\nTo: Bob <sip:b@example.com>\r\n",
    );
    let (mut s3, _) = crate::fuzzing::split_at(early.as_bytes(), 2, ParserMode::Strict).unwrap();
    s3.call_id = Some(Span::new(0, 1));
    let r = Request::from_split(early.as_bytes(), s3, ParserMode::Strict).unwrap();
    assert_eq!(r.call_id(), Some(&early.as_bytes()[..1]));
    assert!(r.has_to);
    // A range backwards or past the end is refused.
    #[allow(clippy::reversed_empty_ranges)]
    {
        s.via1.host = Span::new(5, 3);
    }
    assert_eq!(
        Request::from_split(m.as_bytes(), s.clone(), ParserMode::Strict).err(),
        Some(ParseError::BadHeader)
    );
    s.via1.host = Span::of(3..m.len() + 1);
    assert_eq!(
        Request::from_split(m.as_bytes(), s, ParserMode::Strict).err(),
        Some(ParseError::BadHeader)
    );
}

#[test]
fn an_empty_tag_in_the_hosts_split_is_no_tag() {
    let (mut s, _) = crate::fuzzing::split_at(BASIC.as_bytes(), 5, ParserMode::Strict).unwrap();
    s.to = Some(Some(Span::new(7, 7)));
    let r = Request::from_split(BASIC.as_bytes(), s, ParserMode::Strict).unwrap();
    assert!(r.has_to);
    assert_eq!(r.to_tag(), None);
}
