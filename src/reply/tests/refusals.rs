//! What is refused and why: bad input, codes and reasons, repeated lines by the host's parser
//! mode, and the lines after a host's split that its parser judges.
use super::*;

#[test]
fn refuses_bad_input() {
    assert_eq!(
        build(INVITE, &params(99, "x"), &[]),
        Err(SlError::BadCode(99))
    );
    assert_eq!(
        build(INVITE, &params(700, "x"), &[]),
        Err(SlError::BadCode(700))
    );
    assert!(build(INVITE, &params(404, ""), &[])
        .unwrap()
        .starts_with("SIP/2.0 404 \r\n"));
    // A reason with a control character never reaches the builder.
    assert_eq!(Reason::new(b"a\r\nX-Injected: 1"), Err(SlError::BadReason));
    assert_eq!(Reason::new(b"nul\0"), Err(SlError::BadReason));
    assert_eq!(
        Reason::new(b"Not Here").map(Reason::as_bytes),
        Ok(&b"Not Here"[..])
    );
    let ack = INVITE.replacen("INVITE sip", "ACK sip", 1);
    assert_eq!(build(&ack, &params(404, "x"), &[]), Err(SlError::Ack));
    let req = Request::parse(INVITE.as_bytes()).unwrap();
    let mut small = [0u8; 64];
    assert_eq!(
        build_reply(&req, [], &params(404, "x"), [], &mut small),
        Err(SlError::TooBig)
    );
    // A buffer of exactly the reply's length holds it; one byte less does not.
    let mut big = [0u8; 1024];
    let n = build_reply(&req, [], &params(404, "x"), [], &mut big).unwrap();
    let mut exact = vec![0u8; n];
    assert_eq!(
        build_reply(&req, [], &params(404, "x"), [], &mut exact),
        Ok(n)
    );
    assert_eq!(exact, &big[..n]);
    assert_eq!(
        build_reply(&req, [], &params(404, "x"), [], &mut exact[..n - 1]),
        Err(SlError::TooBig)
    );
}

/// Every byte value at every place of reasons up to 20 bytes long, alone and beside an HTAB
/// (the one control character allowed), against the rule read plainly.
#[test]
fn reason_check_agrees_with_the_rule_for_every_byte_and_place() {
    let refused = |s: &[u8]| s.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f);
    for len in 1..=20 {
        for at in 0..len {
            for b in 0..=255u8 {
                for tab in [None, Some((at + 1) % len)] {
                    let mut s = vec![b'a'; len];
                    if let Some(t) = tab {
                        s[t] = b'\t';
                    }
                    s[at] = b;
                    assert_eq!(check_reason(&s).is_err(), refused(&s), "{s:?}");
                }
            }
        }
    }
}

#[test]
fn reason_and_code_rules() {
    assert!(check_reason(b"Tab\tis fine, UTF-8 \xc3\xa9 too").is_ok());
    // Any length, none too (RFC 3261's Reason-Phrase is *(...)); only controls are refused.
    assert!(check_reason(&[b'a'; 1000]).is_ok());
    assert!(check_reason(b"").is_ok());
    assert!(check_reason(b"a\x01").is_err());
    assert!(check_reason(b"del\x7f").is_err());
    assert_eq!(check_code(100), Ok(100));
    assert_eq!(check_code(699), Ok(699));
    assert_eq!(check_code(-404), Err(SlError::BadCode(-404)));
    assert_eq!(
        check_code(i64::from(u16::MAX) + 404),
        Err(SlError::BadCode(65939))
    );
}

#[test]
fn needs_to_tag_follows_kamailio() {
    let r = Request::parse(INVITE.as_bytes()).unwrap();
    assert!(!needs_to_tag(&r, 100) && !needs_to_tag(&r, 179) && needs_to_tag(&r, 180));
    let tagged = INVITE.replace("To: <sip:b@x>", "To: <sip:b@x>;tag=x");
    assert!(!needs_to_tag(
        &Request::parse(tagged.as_bytes()).unwrap(),
        404
    ));
}

#[test]
fn an_empty_via_value_is_refused_not_copied_with_its_line_end() {
    // Found by fuzzing: "Via:" with nothing after it was copied with its LF, and the CRLF we
    // add made a blank line inside the head (a truncated reply with a "body"). Kamailio's Via
    // parser refuses an empty value, so the request is refused now, as the core refuses it.
    let msg = "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVia:\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n";
    assert_eq!(
        Request::parse(msg.as_bytes()).err(),
        Some(ParseError::BadVia)
    );
}

#[test]
fn errors_say_what_is_wrong() {
    assert_eq!(
        SlError::BadCode(800).to_string(),
        "reply code 800 is outside 100..699"
    );
    assert!(SlError::BadReason.to_string().contains("control character"));
    assert_eq!(
        SlError::Parse(ParseError::Duplicate(HeaderKind::To)).to_string(),
        "duplicate To header"
    );
    assert!(ParseError::Truncated.as_str().contains("empty line"));
    assert!(SlError::TooBig.to_string().contains("does not fit"));
    assert!(SlError::Ack.to_string().contains("ACK"));
}

#[test]
fn a_split_request_is_refused_on_a_second_single_instance_line_as_the_core_refuses_it() {
    let req = Request::parse(INVITE.as_bytes()).unwrap();
    let lines: Vec<_> = req.headers().map(|h| h.unwrap().line().unwrap()).collect();
    let of = |k: HeaderKind| *lines.iter().find(|l| l.kind == k).unwrap();
    let from_bytes = Request::parse(INVITE.as_bytes()).unwrap();
    let mut out = [0u8; 4096];
    for k in [
        HeaderKind::From,
        HeaderKind::To,
        HeaderKind::CallId,
        HeaderKind::CSeq,
        HeaderKind::ContentLength,
    ] {
        assert_eq!(
            build_reply(&from_bytes, [of(k), of(k)], &params(404, "x"), [], &mut out),
            Err(SlError::Parse(ParseError::Duplicate(k))),
            "{k:?}"
        );
    }
    let mf = Line {
        kind: HeaderKind::MaxForwards,
        ..of(HeaderKind::CSeq)
    };
    assert_eq!(
        build_reply(&from_bytes, [mf, mf], &params(404, "x"), [], &mut out),
        Err(SlError::Parse(ParseError::Duplicate(
            HeaderKind::MaxForwards
        )))
    );
    // An HTTP request may repeat Content-Length and Max-Forwards (the core lets it).
    let http = "GET /x HTTP/1.1\r\nVia: SIP/2.0/TCP 127.0.0.1:5060\r\nContent-Length: 0\r\n\r\n";
    let hreq = Request::parse(http.as_bytes()).unwrap();
    let cl = hreq
        .headers()
        .map(|h| h.unwrap())
        .find(|h| h.kind == HeaderKind::ContentLength)
        .unwrap()
        .line()
        .unwrap();
    let hmf = Line {
        kind: HeaderKind::MaxForwards,
        ..cl
    };
    for l in [cl, hmf] {
        assert!(build_reply(&hreq, [l, l], &params(200, "OK"), [], &mut out).is_ok());
    }
}

#[test]
fn in_the_lenient_parser_mode_every_line_is_copied_and_every_to_tagged() {
    // Native's reply under sip_parser_mode=0 (Kamailio 5.6.3): each From, To, Call-ID and CSeq
    // copied, and our tag added to every To when the first has none.
    let m = "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n\
        From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c6\r\nCSeq: 1 OPTIONS\r\n\
        To: <sip:c@x>\r\nFrom: <sip:d@x>;tag=2\r\ni: c7\r\nCSeq: 2 OPTIONS\r\nt: <sip:e@x>;tag=3 \r\n\
        Content-Length: 0\r\n\r\n";
    let mut p = params(200, "OK");
    p.to_tag = Some(ToTag::Given(b"T"));
    let want = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n\
        From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=T\r\nCall-ID: c6\r\nCSeq: 1 OPTIONS\r\n\
        To: <sip:c@x>;tag=T\r\nFrom: <sip:d@x>;tag=2\r\ni: c7\r\nCSeq: 2 OPTIONS\r\nt: <sip:e@x>;tag=3 ;tag=T\r\n\
        Content-Length: 0\r\n\r\n";
    let req = Request::parse_in(m.as_bytes(), ParserMode::Lenient).unwrap();
    let mut out = [0u8; 1024];
    let n = build_reply(&req, [], &p, [], &mut out).unwrap();
    assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), want);
    // The same from a host's split of every line.
    let (split, lines) = crate::fuzzing::split_at(m.as_bytes(), 99, ParserMode::Lenient).unwrap();
    let sreq = Request::from_split(m.as_bytes(), split, ParserMode::Lenient).unwrap();
    let copied: Vec<Line> = lines.iter().filter_map(|h| h.line()).collect();
    let n = build_reply(&sreq, copied.clone(), &p, [], &mut out).unwrap();
    assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), want);
    // Strict (the default), the host refuses such a request: no reply.
    let strict = Request::from_split(
        m.as_bytes(),
        crate::fuzzing::split_at(m.as_bytes(), 99, ParserMode::Lenient)
            .unwrap()
            .0,
        ParserMode::Strict,
    )
    .unwrap();
    assert_eq!(
        build_reply(&strict, copied, &p, [], &mut out),
        Err(SlError::Parse(ParseError::Duplicate(HeaderKind::To)))
    );
}

#[test]
fn after_a_hosts_split_the_lines_its_parser_judges_are_left_to_it() {
    let m = "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n\
        From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c6\r\nCSeq: 1 OPTIONS\r\n\
        Contact: <sip:a@x>\r\nRetry-After: soon\r\nContent-Length: 0\r\n\r\n";
    let p = params(200, "OK");
    let mut out = [0u8; 1024];
    // Read from its bytes (no host to ask), the line is read past and not copied.
    let req = Request::parse(m.as_bytes()).unwrap();
    let n = build_reply(&req, [], &p, [], &mut out).unwrap();
    assert!(!out[..n].windows(5).any(|w| w == b"Retry"));
    // After a host's split ending before it, the host judges it.
    for k in [5, 6] {
        let (split, lines) = crate::fuzzing::split_at(m.as_bytes(), k, ParserMode::Strict).unwrap();
        let sreq = Request::from_split(m.as_bytes(), split, ParserMode::Strict).unwrap();
        let copied: Vec<Line> = lines.iter().filter_map(|h| h.line()).collect();
        assert_eq!(
            build_reply(&sreq, copied, &p, [], &mut out),
            Err(SlError::Parse(ParseError::ForHost)),
            "split after {k} lines"
        );
    }
    // Split past it, the reply is the one read from the bytes.
    let (split, lines) = crate::fuzzing::split_at(m.as_bytes(), 7, ParserMode::Strict).unwrap();
    let sreq = Request::from_split(m.as_bytes(), split, ParserMode::Strict).unwrap();
    let copied: Vec<Line> = lines.iter().filter_map(|h| h.line()).collect();
    let mut again = [0u8; 1024];
    assert_eq!(build_reply(&sreq, copied, &p, [], &mut again), Ok(n));
    assert_eq!(again[..n], out[..n]);
}
