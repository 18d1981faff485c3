//! Header lines: names, compact forms, folding, values, Via parameters and the end of the head.
use super::*;

#[test]
fn compact_forms_and_case() {
    let r = req("OPTIONS sip:x SIP/2.0\nv: SIP/2.0/TCP h;branch=z9hG4bKc\nf: <sip:a@x>;tag=1\nT: <sip:x>;TAG=t9\ni: cid\nCSEQ: 2 OPTIONS\n\n");
    assert_eq!(r.slice(r.via1.host), b"h");
    assert_eq!(r.to_tag(), Some(&b"t9"[..]));
    assert_eq!(r.call_id(), Some(&b"cid"[..]));
    assert_eq!(HeaderKind::of(b"RECORD-route"), HeaderKind::RecordRoute);
    for (name, kind) in [
        (&b"F"[..], HeaderKind::From),
        (b"v", HeaderKind::Via),
        (b"T", HeaderKind::To),
        (b"I", HeaderKind::CallId),
        (b"FROM", HeaderKind::From),
        (b"fram", HeaderKind::Other),
        (b"cseq", HeaderKind::CSeq),
        (b"cseg", HeaderKind::Other),
        (b"To", HeaderKind::To),
        (b"Tx", HeaderKind::Other),
        (b"Call-ID", HeaderKind::CallId),
        (b"from", HeaderKind::From),
        (b"record-route", HeaderKind::RecordRoute),
        (b"Record-Route", HeaderKind::RecordRoute),
        (b"max-forwards", HeaderKind::MaxForwards),
        (b"MAX-FORWARDS", HeaderKind::MaxForwards),
        (b"content-length", HeaderKind::ContentLength),
        // A letter's case folds; `-` is compared exactly (CR differs from it only in the case
        // bit).
        (b"Call\rID", HeaderKind::Other),
        (b"content\rlength", HeaderKind::Other),
        (b"VIA", HeaderKind::Via),
        (b"vi@", HeaderKind::Other),
        // Two differences that would cancel if they were combined by xor ("t"/"u", "o"/"n").
        (b"un", HeaderKind::Other),
    ] {
        assert_eq!(
            HeaderKind::of(name),
            kind,
            "{:?}",
            String::from_utf8_lossy(name)
        );
    }
    assert_eq!(HeaderKind::of(b"m"), HeaderKind::Other);
}

#[test]
fn several_via_values_on_one_line() {
    let r = req("BYE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a.example:5070;branch=z9hG4bKa , SIP/2.0/UDP b.example;branch=z9hG4bKb\r\n\r\n");
    assert_eq!(r.slice(r.via1.host), b"a.example");
    assert_eq!(r.slice(r.via1.branch.unwrap()), b"z9hG4bKa");
    assert_eq!(r.headers().count(), 1);
}

#[test]
fn folded_lines_belong_to_their_header() {
    let r = req("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n ;branch=z9hG4bKf\r\nCall-ID: a\r\n\tb\r\nSubject: c\r\n d\r\nTo: <sip:x>\r\n  ;tag=fold\r\n\r\n");
    assert_eq!(r.slice(r.via1.branch.unwrap()), b"z9hG4bKf");
    assert_eq!(r.to_tag(), Some(&b"fold"[..]));
    let hs: Vec<_> = r.headers().map(Result::unwrap).collect();
    assert_eq!(hs.len(), 4);
    assert_eq!(&r.buf()[hs[1].value.clone()], b"a\r\n\tb");
    assert_eq!(&r.buf()[hs[2].raw.clone()], b"Subject: c\r\n d\r\n");
}

#[test]
fn ipv6_hosts() {
    let r = req("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK6;received=[2001:db8::2]\r\n\r\n");
    assert_eq!(r.slice(r.via1.host), b"[2001:db8::1]");
    assert_eq!(r.slice(r.via1.port), b"5062");
    assert_eq!(r.slice(r.via1.branch.unwrap()), b"z9hG4bK6");
    assert!(Request::parse(
        b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1;branch=z\r\n\r\n"
    )
    .is_err());
    // Inside the brackets: hex digits, colons and dots, at least three of them, then `]`.
    for (host, ok) in [
        ("[::1]", true),
        ("[::ffff:192.0.2.1]", true),
        ("[::]", true),
        ("[:]", false),
        ("[::1", false),
        ("[::1 ]", false),
        ("[::1%eth0]", false),
        ("[2001:db8::zz]", false),
        ("[]", false),
    ] {
        let m = format!("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP {host};branch=z9hG4bK6\r\n\r\n");
        let r = Request::parse(m.as_bytes());
        assert_eq!(r.is_ok(), ok, "{host}");
        if let Ok(r) = r {
            assert_eq!(r.slice(r.via1.host), host.as_bytes());
        }
    }
}

#[test]
fn to_tag_forms() {
    let t = |v: &str| {
        let m = format!("X sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: {v}\r\n\r\n");
        Request::parse(m.as_bytes())
            .unwrap()
            .to_tag()
            .map(|t| String::from_utf8(t.to_vec()).unwrap())
    };
    assert_eq!(t("sip:b@x;tag=bare"), Some("bare".into()));
    assert_eq!(
        t("<sip:b@x;tag=uri-param>"),
        None,
        "a URI parameter is not the header's tag"
    );
    assert_eq!(
        t("\"semi;colon <x>\" <sip:b@x>;foo=1; tag = sp ;bar"),
        Some("sp".into())
    );
    assert_eq!(t("<sip:b@x>;tag="), None, "an empty tag counts as none");
    assert_eq!(t("\"unterminated <sip:b@x>;tag=1"), None);
    assert_eq!(t("<sip:b@x;tag=1"), None, "unterminated <");
    assert_eq!(
        t("\"a \\\" ;tag=no\" <sip:b@x>;tag=yes"),
        Some("yes".into()),
        "an escaped quote inside the display name"
    );
    assert_eq!(t("<sip:b@x>;tag=\t \r\n "), None, "blanks only");
    assert_eq!(
        t("\"\\\"\" <sip:b@x>;tag=x"),
        Some("x".into()),
        "an escaped quote right before the closing one"
    );
}

#[test]
fn very_long_headers_and_many_vias() {
    let long = "x".repeat(60_000);
    let mut m = format!(
        "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKl\r\nX-Long: {long}\r\n"
    );
    for i in 0..2000 {
        m.push_str(&format!(
            "Via: SIP/2.0/UDP p{i}.example;branch=z9hG4bK{i}\r\n"
        ));
    }
    m.push_str("\r\n");
    let r = Request::parse(m.as_bytes()).unwrap();
    assert_eq!(r.slice(r.via1.branch.unwrap()), b"z9hG4bKl");
    assert_eq!(
        r.headers()
            .filter(|h| h.as_ref().unwrap().kind == HeaderKind::Via)
            .count(),
        2001
    );
}

#[test]
fn header_names_and_the_end_of_the_head_follow_kamailio() {
    // Names: letters, digits and -._+~ only (other RFC token characters are refused).
    for name in ["X-Ok_1.2+3~", "l", "X-Via", "X-Blank \t"] {
        let m = BASIC.replace("Content-Length: 0", &format!("{name}: 1"));
        assert!(Request::parse(m.as_bytes()).is_ok(), "{name}");
    }
    for name in ["Cont%nt-Length", "X!", "X*Y", "`a", "X'"] {
        let m = BASIC.replace("Content-Length: 0", &format!("{name}: 1"));
        assert_eq!(
            Request::parse(m.as_bytes()).err(),
            Some(ParseError::BadHeader),
            "{name}"
        );
    }
    // Every Via value opens with `SIP /`, as Kamailio's Via parser requires.
    for (via, ok) in [
        ("Via: sip / 2.0/TCP h", true),
        ("Via: SIP\r\n /2.0/UDP h", true),
        ("Via: Content-Length: 0", false),
        ("Via: SIPX/2.0/UDP h", false),
        ("Via: SIP2.0/UDP h", false),
        ("Via: SI/2.0/UDP h", false),
        ("Via: SIP", false),
    ] {
        let m = BASIC.replace("Content-Length: 0", via);
        assert_eq!(Request::parse(m.as_bytes()).is_ok(), ok, "{via:?}");
    }
    // A line that starts with CR or LF ends the head, whatever follows on it.
    let cut = |tail: &str| BASIC.replace("Content-Length: 0\r\n\r\n", tail);
    for tail in ["\r", "\rX-Action: error\r\n\r\n", "\n\r\n", "\r\\hello"] {
        let m = cut(tail);
        let r = Request::parse(m.as_bytes()).unwrap();
        assert_eq!(r.headers().count(), 5, "{tail:?}");
    }
}

#[test]
fn a_head_read_from_its_bytes_needs_its_empty_line() {
    // A line that ends the buffer, in strict mode: the head is cut, not a last line.
    let mut h = Headers::new(b"X: 1\r\n", 0, false);
    assert_eq!(h.next(), Some(Err(ParseError::Truncated)));
    assert_eq!(h.next(), None);
    let mut h = Headers::new(b"X: 1\r\n", 0, true);
    assert!(matches!(h.next(), Some(Ok(_))));
    assert_eq!(h.next(), None);
}

#[test]
fn a_reply_scan_checks_other_lines_without_handing_them_out() {
    let m = BASIC.replace(
        "Content-Length: 0",
        "X-A: 1\r\nRecord-Route: <sip:p>\r\nX-B: 2",
    );
    let r = req(&m);
    let kinds: Vec<_> = r.headers().skip_other().map(|h| h.unwrap().kind).collect();
    use HeaderKind::*;
    assert_eq!(kinds, [Via, From, To, CallId, CSeq, RecordRoute]);
    assert_eq!(r.headers().count(), 8);
    // A malformed line of another kind still ends the scan with its error.
    let bad = "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nX-A 1\r\n\r\n";
    let mut h = Headers::new(bad.as_bytes(), 24, false).skip_other();
    assert_eq!(h.next().unwrap().unwrap().kind, Via);
    assert_eq!(h.next(), Some(Err(ParseError::BadHeader)));
    assert_eq!(h.next(), None);
}

#[test]
fn values_are_trimmed_of_blanks_and_folds() {
    let m = BASIC.replace("Content-Length: 0", "Record-Route:  \t a b \r\n c \t");
    let r = req(&m);
    let h = r.headers().last().unwrap().unwrap();
    assert_eq!(&r.buf()[h.value.clone()], b"a b \r\n c");
    // An empty value, and the value of a header no one reads: empty, right after the colon.
    for line in ["Record-Route: \t ", "X-V:  \t a b \r\n c \t"] {
        let m = BASIC.replace("Content-Length: 0", line);
        let r = req(&m);
        let h = r.headers().last().unwrap().unwrap();
        assert!(h.value.is_empty());
        assert_eq!(&m.as_bytes()[h.value.start - 1..h.value.start], b":");
    }
}

#[test]
fn lf_only_content_length_and_via_blanks() {
    let lf = BASIC.replace("\r\n", "\n");
    assert!(Request::parse(lf.as_bytes()).is_ok());
    for bad in ["Content-Length: 0 x\n", "Content-Length: 7\n x\n"] {
        let m = lf.replace("Content-Length: 0\n", bad);
        assert_eq!(
            Request::parse(m.as_bytes()).err(),
            Some(ParseError::BadHeader),
            "{bad:?}"
        );
    }
    let folded = lf.replace("Content-Length: 0\n", "Content-Length: 7\n \n");
    assert!(Request::parse(folded.as_bytes()).is_ok());
    // The sent-by host follows the transport after blanks, never glued to it.
    for glued in ["SIP/2.0/UDP192.0.2.1", "SIP/2.0/UDP[::1]"] {
        let m = BASIC.replace("SIP/2.0/UDP 192.0.2.1", glued);
        assert_eq!(
            Request::parse(m.as_bytes()).err(),
            Some(ParseError::BadVia),
            "{glued}"
        );
    }
}

#[test]
fn quoted_via_parameter_values_and_their_escapes() {
    let via =
        |params: &str| format!("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h:5060{params}\r\n\r\n");
    let m = via(";x=\"a;b\\\"c, d\";branch=z9hG4bK1;rport");
    let r = Request::parse(m.as_bytes()).unwrap();
    assert_eq!(r.slice(r.via1.branch.unwrap()), b"z9hG4bK1");
    assert_eq!(r.slice(r.via1.rport.unwrap()), b"rport");
    let m = via(";branch=\"q\\\\\";rport");
    let r = Request::parse(m.as_bytes()).unwrap();
    assert_eq!(r.slice(r.via1.branch.unwrap()), b"\"q\\\\\"");
    for bad in [";x=\"open", ";x=\"esc\\\"", ";x=\"a\"b"] {
        let m = via(bad);
        assert_eq!(
            Request::parse(m.as_bytes()).err(),
            Some(ParseError::BadVia),
            "{bad}"
        );
    }
}
