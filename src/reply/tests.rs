use super::*;
use crate::sip::{HeaderKind, Line, ParseError, ParserMode, Request};

fn build(msg: &str, p: &ReplyParams, lumps: &[Lump]) -> Result<String, SlError> {
    let req = Request::parse(msg.as_bytes()).unwrap();
    let mut out = [0u8; 4096];
    let n = build_reply(&req, [], p, lumps.iter().copied(), &mut out)?;
    Ok(String::from_utf8(out[..n].to_vec()).unwrap())
}

fn params(code: u16, reason: &'static str) -> ReplyParams<'static> {
    ReplyParams {
        code,
        reason: Reason::new(reason.as_bytes()).expect("a good reason"),
        ..Default::default()
    }
}

const INVITE: &str = "INVITE sip:b@x SIP/2.0\r\n\
    Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1\r\n\
    Via: SIP/2.0/TCP proxy.example;branch=z9hG4bK0\r\n\
    Record-Route: <sip:proxy.example;lr>\r\n\
    Max-Forwards: 70\r\n\
    From: <sip:a@x>;tag=aa\r\n\
    To: <sip:b@x>\r\n\
    Call-ID: c1\r\n\
    CSeq: 1 INVITE\r\n\
    Contact: <sip:a@192.0.2.1>\r\n\
    Content-Type: application/sdp\r\n\
    Content-Length: 4\r\n\r\nv=0\n";

#[test]
fn copies_what_rfc3261_8_2_6_says_in_request_order() {
    let mut p = params(404, "Not Here");
    p.to_tag = Some(ToTag::Given(b"T1"));
    p.received = Some(b"10.0.0.9");
    p.rport = Some(40000);
    p.server_header = Some(b"Server: kamailio");
    let r = build(INVITE, &p, &[Lump::Header(b"X-A: 1\r\n")]).unwrap();
    assert_eq!(
        r,
        "SIP/2.0 404 Not Here\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;rport=40000;branch=z9hG4bK1;received=10.0.0.9\r\n\
         Via: SIP/2.0/TCP proxy.example;branch=z9hG4bK0\r\n\
         From: <sip:a@x>;tag=aa\r\n\
         To: <sip:b@x>;tag=T1\r\n\
         Call-ID: c1\r\n\
         CSeq: 1 INVITE\r\n\
         X-A: 1\r\n\
         Server: kamailio\r\n\
         Content-Length: 0\r\n\r\n"
    );
}

#[test]
fn record_route_only_from_180_to_299() {
    for (code, has) in [
        (100, false),
        (179, false),
        (180, true),
        (200, true),
        (299, true),
        (300, false),
        (486, false),
    ] {
        let r = build(INVITE, &params(code, "R"), &[]).unwrap();
        assert_eq!(
            r.contains("Record-Route: <sip:proxy.example;lr>\r\n"),
            has,
            "code {code}"
        );
    }
}

#[test]
fn existing_to_tag_is_kept_and_original_line_ends_kept() {
    let m = "BYE sip:b@x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK2  \nTo: <sip:b@x> ;tag=old\nFrom: <sip:a@x>;tag=1\n\n";
    let mut p = params(481, "Gone");
    p.to_tag = Some(ToTag::Given(b"NEW"));
    let r = build(m, &p, &[]).unwrap();
    assert_eq!(
        r,
        "SIP/2.0 481 Gone\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nTo: <sip:b@x> ;tag=old\nFrom: <sip:a@x>;tag=1\nContent-Length: 0\r\n\r\n"
    );
}

#[test]
fn tag_goes_after_trailing_blanks_like_native() {
    let m = "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nt: sip:b@x  \r\n\r\n";
    let mut p = params(200, "OK");
    p.to_tag = Some(ToTag::Given(b"Z"));
    assert!(build(m, &p, &[])
        .unwrap()
        .contains("t: sip:b@x  ;tag=Z\r\n"));
}

#[test]
fn rport_is_appended_when_absent_and_received_goes_last() {
    let m = "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h:5;branch=z9hG4bK3, SIP/2.0/UDP g;branch=z9hG4bK4\r\n\r\n";
    let mut p = params(200, "OK");
    p.rport = Some(5);
    p.received = Some(b"::1");
    let r = build(m, &p, &[]).unwrap();
    assert!(r.contains("Via: SIP/2.0/UDP h:5;branch=z9hG4bK3, SIP/2.0/UDP g;branch=z9hG4bK4;rport=5;received=::1\r\n"), "{r}");
}

/// Kamailio 6.0 puts them where the `rport` they replace was, else after the branch
/// (before a closing quote, where its parser ends the parameter), else at the end; the
/// script's extra Via parameters follow `received`.
#[test]
fn the_6_0_layout_puts_rport_and_received_after_rport_or_branch() {
    let via = |v: &str| format!("INVITE sip:b@x SIP/2.0\r\nVia: {v}\r\nTo: <sip:b@x>\r\n\r\n");
    let mut p = params(404, "x");
    p.via_layout = ViaLayout::AfterRportOrBranch;
    p.received = Some(b"10.0.0.9");
    p.rport = Some(5);
    let cases = [
        (
            "SIP/2.0/UDP h:1;rport;branch=z9hG4bKd1;x=a",
            "SIP/2.0/UDP h:1;rport=5;received=10.0.0.9;y=2;branch=z9hG4bKd1;x=a",
        ),
        (
            "SIP/2.0/UDP h:1;branch=z9hG4bKd1;rport;x=ab",
            "SIP/2.0/UDP h:1;branch=z9hG4bKd1;rport=5;received=10.0.0.9;y=2;x=ab",
        ),
        (
            "SIP/2.0/UDP h:1;branch=z9hG4bKd1;rport, SIP/2.0/TCP p;branch=z9hG4bKx2",
            "SIP/2.0/UDP h:1;branch=z9hG4bKd1;rport=5;received=10.0.0.9;y=2, SIP/2.0/TCP p;branch=z9hG4bKx2",
        ),
        (
            "SIP/2.0/UDP h:1;x=1;branch=\"z9hG4bKq\";y=3",
            "SIP/2.0/UDP h:1;x=1;branch=\"z9hG4bKq;rport=5;received=10.0.0.9;y=2\";y=3",
        ),
        (
            "SIP/2.0/UDP h:1;x=1",
            "SIP/2.0/UDP h:1;x=1;rport=5;received=10.0.0.9;y=2",
        ),
    ];
    for (v, want) in cases {
        p.via_extra = Some(b";y=2");
        let r = build(&via(v), &p, &[]).unwrap();
        assert!(r.contains(&format!("\r\nVia: {want}\r\n")), "{v}:\n{r}");
    }
    // Without an rport to replace, rport and received go after the branch.
    p.via_extra = None;
    let r = build(&via("SIP/2.0/UDP h:1;branch=z9hG4bKd1;x=a"), &p, &[]).unwrap();
    assert!(
        r.contains("Via: SIP/2.0/UDP h:1;branch=z9hG4bKd1;rport=5;received=10.0.0.9;x=a\r\n"),
        "{r}"
    );
    // 5.6 appends them at the end, and has no extra parameters.
    p.via_layout = ViaLayout::AtEnd;
    p.via_extra = Some(b";y=2");
    let r = build(&via("SIP/2.0/UDP h:1;rport;branch=z9hG4bKd1;x=a"), &p, &[]).unwrap();
    assert!(
        r.contains("Via: SIP/2.0/UDP h:1;rport=5;branch=z9hG4bKd1;x=a;received=10.0.0.9\r\n"),
        "{r}"
    );
}

/// Offsets a host handed over are checked, not trusted: a branch or rport outside the first
/// Via's value refuses the reply instead of copying from elsewhere.
#[test]
fn the_6_0_layout_refuses_positions_outside_the_first_via() {
    let m = "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h:1;branch=z9hG4bKd1;rport\r\nTo: <sip:b@x>\r\n\r\n";
    let mut p = params(404, "x");
    p.via_layout = ViaLayout::AfterRportOrBranch;
    let value_end = m.find(";rport").unwrap() + ";rport".len();
    let mut out = [0u8; 1024];
    let mut req = Request::parse(m.as_bytes()).unwrap();
    assert!(build_reply(&req, [], &p, [], &mut out).is_ok());
    // After the Via value, or before it.
    for at in [value_end + 1, req.via1_at - 1] {
        req.via1.branch_end = at as u32;
        assert_eq!(
            build_reply(&req, [], &p, [], &mut out),
            Err(SlError::Parse(ParseError::BadVia)),
            "{at}"
        );
    }
    // An rport to replace that runs past the value.
    let mut req = Request::parse(m.as_bytes()).unwrap();
    p.rport = Some(5);
    req.via1.rport = Some(crate::sip::Span::of(value_end - 5..value_end + 2));
    assert_eq!(
        build_reply(&req, [], &p, [], &mut out),
        Err(SlError::Parse(ParseError::BadVia))
    );
}

#[test]
fn body_lump_sets_content_length_and_last_body_wins() {
    let m = "MESSAGE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n";
    let r = build(
        m,
        &params(200, "OK"),
        &[
            Lump::Body(b"first"),
            Lump::Header(b"Content-Type: text/plain\r\n"),
            Lump::Body(b"hello"),
        ],
    )
    .unwrap();
    assert!(
        r.ends_with("Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"),
        "{r}"
    );
}

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
fn http_requests_get_an_http_reply_with_the_faked_via_renamed() {
    // What xhttp hands to sl: an HTTP request with a Via the core faked after its first line.
    let msg = "GET /metrics HTTP/1.1\r\nVia: SIP/2.0/TCP 127.0.0.1:40000\r\nHost: x\r\n\r\n";
    let mut p = params(200, "OK");
    p.received = Some(b"127.0.0.1");
    let r = build(msg, &p, &[Lump::Header(b"Content-Type: text/plain\r\n")]).unwrap();
    assert_eq!(
        r,
        "HTTP/1.1 200 OK\r\nSia: SIP/2.0/TCP 127.0.0.1:40000;received=127.0.0.1\r\n\
         Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n"
    );
}

#[test]
fn every_via_line_ends_with_crlf_whatever_the_request_used() {
    let msg = "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n\
               Via: SIP/2.0/UDP b\nVia: SIP/2.0/UDP c  \r\nVia: SIP/2.0/UDP d\r\n\
               From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";
    assert_eq!(
        build(msg, &params(200, "OK"), &[]).unwrap(),
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b\r\n\
         Via: SIP/2.0/UDP c\r\nVia: SIP/2.0/UDP d\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n\
         Call-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    );
}

#[test]
fn every_via_of_an_http_request_is_renamed() {
    // A proxy in front of xhttp adds its own Via: an HTTP client must not read either as its own.
    let msg = "GET /x HTTP/1.1\r\nVia: SIP/2.0/TCP 127.0.0.1:40000\r\nVia: SIP/2.0/TCP p\r\n\r\n";
    let r = build(msg, &params(200, "OK"), &[]).unwrap();
    assert_eq!(
        r,
        "HTTP/1.1 200 OK\r\nSia: SIP/2.0/TCP 127.0.0.1:40000\r\nSia: SIP/2.0/TCP p\r\n\
         Content-Length: 0\r\n\r\n"
    );
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
fn the_warning_header_follows_content_length_as_kamailio_puts_it() {
    let mut p = params(404, "Not Here");
    p.server_header = Some(b"Server: s");
    p.warning = Some(b"Warning: 392 127.0.0.1:5060 \"Noisy feedback tells: pid=1\"");
    let r = build(INVITE, &p, &[Lump::Body(b"v=0\n")]).unwrap();
    assert!(
        r.ends_with(
            "Server: s\r\nContent-Length: 4\r\nWarning: 392 127.0.0.1:5060 \"Noisy feedback tells: pid=1\"\r\n\r\nv=0\n"
        ),
        "{r:?}"
    );
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

#[test]
fn a_whole_180_reply_is_exactly_what_native_writes() {
    // Record-Route kept, Max-Forwards between it and From skipped: the copies around a skipped
    // line must not run together.
    let mut p = params(180, "Ringing");
    p.to_tag = Some(ToTag::Given(b"t1"));
    let r = build(INVITE, &p, &[]).unwrap();
    assert_eq!(
        r,
        "SIP/2.0 180 Ringing\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1\r\n\
         Via: SIP/2.0/TCP proxy.example;branch=z9hG4bK0\r\n\
         Record-Route: <sip:proxy.example;lr>\r\n\
         From: <sip:a@x>;tag=aa\r\n\
         To: <sip:b@x>;tag=t1\r\n\
         Call-ID: c1\r\n\
         CSeq: 1 INVITE\r\n\
         Content-Length: 0\r\n\r\n"
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
