//! The reply's bytes: what is copied from the request, in which order, and what is added.
use super::*;

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
