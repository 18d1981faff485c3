//! Numbers as written, the first-line test, the reply's length bound and the writer.
use super::*;

#[test]
fn decimals_are_the_digits_std_prints() {
    let mut buf = [0u8; 20];
    for v in (0..1000u64).chain([
        9_999,
        10_000,
        65_535,
        100_000,
        1 << 40,
        u64::MAX - 1,
        u64::MAX,
    ]) {
        assert_eq!(fmt_decimal(v, &mut buf), v.to_string().as_bytes(), "{v}");
    }
}

#[test]
fn every_port_is_written_as_std_prints_it() {
    let mut buf = [0u8; 20];
    for port in 0..=u16::MAX {
        assert_eq!(
            rport_param(port, &mut buf),
            format!(";rport={port}").as_bytes(),
            "{port}"
        );
    }
}

#[test]
fn sip_messages_are_told_by_their_first_line_as_kamailio_does() {
    for (msg, sip) in [
        (&b"SIP/2.0 200 OK\r\n\r\n"[..], true),
        (b"\r\n SIP/2.0 200 OK\r\n", true),
        (b"HTTP/1.1 200 OK\r\n\r\n", false),
        (b"SIP/2.0 20", true),
        (b"SIP/2.0 2", false),
        (b"sip/2.0 200 OK\r\n", false),
        (b"INVITE sip:a@b SIP/2.0\r\n\r\n", true),
        (b"INVITE sip:a@b SIP/2.0", false),
        (b"X SIP/2.0\r\n", false),
        (b"XY SIP/2.0\r\n", true),
        (b"SIP/2.1 200 OK\r\n", false),
        (b"HTTP/1.1 200 Not SIP/2.0\r\n", true),
        (b"   \r\n", false),
        (b"\r\nSIP/2.0 ", false),
        (b"\r\n\r\nSIP/2.0 20", true),
        (b"\r\n\r\nSIP/2.0 2", false),
        (b"", false),
    ] {
        assert_eq!(
            is_sip_message(msg),
            sip,
            "{:?}",
            String::from_utf8_lossy(msg)
        );
    }
}

#[test]
fn the_reply_bound_holds_for_every_shape() {
    // LF-only lines, many Vias, a long reason, lumps, a To-tag, received and rport.
    let lf = INVITE.replace("\r\n", "\n");
    let vias = INVITE.replacen("Via: ", "Via: SIP/2.0/UDP a\nVia: SIP/2.0/UDP b\nVia: ", 1);
    for msg in [INVITE.to_string(), lf, vias] {
        let mut p = params(180, "Ringing and a long reason phrase to count");
        p.to_tag = Some(ToTag::Given(b"0123456789abcdef0123456789abcdef.01234567"));
        p.received = Some(b"2001:db8::1");
        p.rport = Some(65535);
        p.server_header = Some(b"Server: s");
        let lumps = [Lump::Header(b"X-A: 1\r\n"), Lump::Body(b"body")];
        let n = build(&msg, &p, &lumps).unwrap().len();
        let req = Request::parse(msg.as_bytes()).unwrap();
        let bound = reply_bound(msg.as_bytes(), req.to_may_repeat(), &p, lumps);
        assert!(n <= bound, "{n} for {msg:?}");
    }
    // Where the host's parser lets a To repeat, every To line gains the tag: short ones too,
    // up to every line of the request.
    let many = INVITE.replacen("\r\n\r\n", &format!("\r\n{}\r\n", "t:x\r\n".repeat(200)), 1);
    let req = Request::parse_in(many.as_bytes(), ParserMode::Lenient).unwrap();
    let mut p = params(180, "Ringing");
    let ours = [b'x'; TAG_PARAM_LEN];
    p.to_tag = Some(ToTag::Ours(&ours));
    assert!(req.to_may_repeat());
    let mut out = vec![0u8; reply_bound(many.as_bytes(), true, &p, [])];
    let n = build_reply(&req, [], &p, [], &mut out).unwrap();
    assert!(
        n > 2 * many.len() + 512,
        "the tags outgrow twice the request"
    );
    let lines = many.matches('\n').count();
    assert_eq!(
        reply_bound(many.as_bytes(), true, &p, []),
        reply_bound(many.as_bytes(), false, &p, []) + (lines - 1) * TAG_PARAM_LEN
    );
    // Read strictly, this request is refused; an HTTP request may repeat its To, a SIP one
    // read strictly may not.
    let strict = Request::parse(many.as_bytes());
    assert!(strict.is_err());
    let http = Request::parse(b"GET / HTTP/1.1\r\nVia: SIP/2.0/TCP h\r\n\r\n").unwrap();
    assert!(http.to_may_repeat());
    assert!(!Request::parse(INVITE.as_bytes()).unwrap().to_may_repeat());
}

#[test]
fn the_reply_bound_is_twice_the_request_and_what_the_reply_adds() {
    let mut p = params(180, "Ringing");
    p.to_tag = Some(ToTag::Given(b"tag"));
    p.received = Some(b"192.0.2.1");
    p.server_header = Some(b"Server: s");
    p.warning = Some(b"Warning: w");
    p.via_extra = Some(b";x=1");
    let lumps = [Lump::Header(b"X: 1\r\n"), Lump::Body(b"body")];
    // 2 x 100, reason 7, lumps 6 + 4, ";tag=" and tag 5 + 3 for the one To, received 9,
    // Via extra 4, Server 9, Warning 10, and 128.
    assert_eq!(
        reply_bound(&[0; 100], false, &p, lumps),
        200 + 7 + 10 + 8 + 9 + 4 + 9 + 10 + 128
    );
    let ours = [b'x'; TAG_PARAM_LEN];
    p.to_tag = Some(ToTag::Ours(&ours));
    assert_eq!(
        reply_bound(&[0; 100], false, &p, lumps),
        200 + 7 + 10 + TAG_PARAM_LEN + 9 + 4 + 9 + 10 + 128
    );
    // Where a To may repeat, a tag for each line (three LFs).
    assert_eq!(
        reply_bound(b"a\nb\nc\n", true, &p, lumps),
        12 + 7 + 10 + 3 * TAG_PARAM_LEN + 9 + 4 + 9 + 10 + 128
    );
}

#[test]
fn the_writer_joins_touching_spans_and_reports_once_at_the_end() {
    let src = b"0123456789";
    let mut out = [0u8; 8];
    let mut w = Writer::new(&mut out, src);
    w.copy(0..2);
    w.copy(2..4); // touches the pending span: one copy of 0..4
    w.put(b"-");
    w.copy(8..10);
    w.set(0, b'x'); // writes the pending span first, then overwrites byte 0
    assert_eq!(w.pos(), 7);
    assert_eq!(w.finish(), Ok(7));
    assert_eq!(&out[..7], b"x123-89");

    // Past the end only the length grows; the error comes from `finish`.
    let mut small = [0u8; 4];
    let mut w = Writer::new(&mut small, src);
    w.copy(0..3);
    w.put(b"ab");
    w.put(b"c");
    assert_eq!(w.pos(), 6);
    assert_eq!(w.finish(), Err(SlError::TooBig));
    assert_eq!(
        &small[..3],
        b"012",
        "a piece that does not fit is not written in part"
    );

    // A span outside the source is a malformed request, whatever the buffer.
    let mut w = Writer::new(&mut out, src);
    w.copy(4..11);
    assert_eq!(w.finish(), Err(SlError::Parse(ParseError::BadHeader)));
}
