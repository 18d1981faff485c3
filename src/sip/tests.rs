use super::*;

fn req(s: &str) -> Request<'_> {
    Request::parse(s.as_bytes()).unwrap()
}

const BASIC: &str = "INVITE sip:b@example.com SIP/2.0\r\n\
    Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport\r\n\
    From: Alice <sip:a@example.com>;tag=aa\r\n\
    To: Bob <sip:b@example.com>\r\n\
    Call-ID: call-1@192.0.2.1\r\n\
    CSeq: 1 INVITE\r\n\
    Content-Length: 0\r\n\r\n";

#[test]
fn reads_request_line_and_facts() {
    let r = req(BASIC);
    assert_eq!(r.method, b"INVITE");
    assert_eq!(r.version, b"SIP/2.0");
    assert_eq!(r.slice(r.via1.host), b"192.0.2.1");
    assert_eq!(r.slice(r.via1.port), b"5060");
    assert_eq!(r.slice(r.via1.branch.unwrap()), b"z9hG4bK1");
    assert_eq!(r.slice(r.via1.rport.unwrap()), b"rport");
    assert!(r.has_to);
    assert_eq!(r.to_tag(), None);
    assert_eq!(r.call_id(), Some(&b"call-1@192.0.2.1"[..]));
    let kinds: Vec<_> = r.headers().map(|h| h.unwrap().kind).collect();
    use HeaderKind::*;
    assert_eq!(kinds, [Via, From, To, CallId, CSeq, ContentLength]);
}

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
fn missing_headers_are_facts_not_errors_except_via() {
    let r = req("MESSAGE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n");
    assert!(!r.has_to && r.call_id.is_none() && r.via1.branch.is_none());
    assert_eq!(
        Request::parse(b"MESSAGE sip:x SIP/2.0\r\nTo: <sip:x>\r\n\r\n").unwrap_err(),
        ParseError::NoVia
    );
}

#[test]
fn malformed_messages_are_refused() {
    use ParseError::*;
    let cases: &[(&[u8], ParseError)] = &[
        (b"", Truncated),
        (b"INVITE sip:x SIP/2.0", Truncated),
        (b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n", Truncated),
        (
            b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: x",
            Truncated,
        ),
        (b"INVITE sip:x\r\n\r\n", BadRequestLine),
        (b"INVITE  sip:x SIP/2.0\r\n\r\n", BadRequestLine),
        (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n", IsReply),
        (b"INVITE sip:x FTP/1.1\r\n\r\n", BadRequestLine),
        (b"INVITE sip:x SIP/\r\n\r\n", BadRequestLine),
        (b"GET /x HTTP/1.1\r\n\r\n", NoVia),
        (b"INVITE sip:x SIP/2.0\r\nno colon here\r\n\r\n", BadHeader),
        (b"INVITE sip:x SIP/2.0\r\n: empty name\r\n\r\n", BadHeader),
        (b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP\r\n\r\n", BadVia),
        (b"INVITE sip:x SIP/2.0\r\nVia: TCP h\r\n\r\n", BadVia),
        (
            b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h:99999999\r\n\r\n",
            BadVia,
        ),
        (
            b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=\"open\r\n\r\n",
            BadVia,
        ),
        (
            b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h garbage\r\n\r\n",
            BadVia,
        ),
        (
            b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\0\r\n\r\n",
            BadVia,
        ),
    ];
    for (m, e) in cases {
        assert_eq!(
            Request::parse(m).unwrap_err(),
            *e,
            "{:?}",
            String::from_utf8_lossy(m)
        );
    }
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

/// Property: no input makes the reader panic, and every range it returns is inside the buffer.
#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet =
        b"INVITE ACK sip:SIP/2.0\r\n\r\nVia: v: To: t: ;tag=;branch=;rport=[]:<>\",\t 0123456789";
    for _ in 0..20_000 {
        let len = (next() % 200) as usize;
        let m: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        if let Ok(r) = Request::parse(&m) {
            for h in r.headers().flatten() {
                assert!(h.raw.end <= m.len() && h.value.start <= h.value.end);
            }
            assert!(r.via1.host.end as usize <= m.len());
        }
    }
}

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
fn single_instance_lines_and_content_length_follow_kamailio() {
    use ParseError::*;
    let with = |extra: &str| BASIC.replace("Content-Length: 0\r\n", extra);
    for (extra, want) in [
        ("Content-Length: 0\r\n", Ok(())),
        ("l: 12 \t\r\n", Ok(())),
        ("Content-Length:\n 7\r\n", Ok(())),
        ("Content-Length: 7\r\n \r\n", Ok(())),
        ("Content-Length: 2147483639\r\n", Ok(())),
        ("Content-Length: 2147483640\r\n", Err(BadHeader)),
        ("Content-Length: %000\r\n", Err(BadHeader)),
        ("Content-Length:;branch= 0\r\n", Err(BadHeader)),
        ("Content-Length: 0 0\r\n", Err(BadHeader)),
        ("Content-Length:\r\n 7\r\n", Err(BadHeader)),
        ("Content-Length: 7\r\n x\r\n", Err(BadHeader)),
        ("Content-Length:     7\r\n x\r\n", Err(BadHeader)),
        ("Content-Length: 7\r\n \r\n\t\r\n", Ok(())),
        ("Content-Length: \r\n", Err(BadHeader)),
        (
            "Content-Length: 0\r\nl: 0\r\n",
            Err(Duplicate(HeaderKind::ContentLength)),
        ),
        (
            "Max-Forwards: 70\r\nMax-Forwards: 69\r\n",
            Err(Duplicate(HeaderKind::MaxForwards)),
        ),
        ("Max-Forwards: 70\r\nContent-Length: 0\r\n", Ok(())),
    ] {
        let m = with(extra);
        assert_eq!(Request::parse(m.as_bytes()).map(drop), want, "{extra:?}");
    }
    // HTTP requests (xhttp) may repeat them, as the core lets them.
    let http = "GET /x HTTP/1.1\r\nVia: SIP/2.0/TCP 127.0.0.1:5060\r\n\
        Content-Length: 0\r\nContent-Length: 0\r\n\r\n";
    assert!(Request::parse(http.as_bytes()).is_ok());
    assert_eq!(HeaderKind::of(b"MAX-forwards"), HeaderKind::MaxForwards);
    assert_eq!(HeaderKind::of(b"L"), HeaderKind::ContentLength);
    assert_eq!(HeaderKind::of(b"Content-Lengths"), HeaderKind::Other);
    assert_eq!(HeaderKind::of(b"retry-AFTER"), HeaderKind::RetryAfter);
    assert_eq!(HeaderKind::of(b"Retry-Afte_"), HeaderKind::Other);
    let judged: Vec<HeaderKind> = [
        b"v" as &[u8],
        b"t",
        b"CSeq",
        b"Retry-After",
        b"f",
        b"i",
        b"l",
    ]
    .into_iter()
    .map(HeaderKind::of)
    .filter(|k| k.host_parsed())
    .collect();
    assert_eq!(
        judged,
        [
            HeaderKind::Via,
            HeaderKind::To,
            HeaderKind::CSeq,
            HeaderKind::RetryAfter
        ]
    );
}

#[test]
fn repeated_headers_follow_the_hosts_parser_mode() {
    use ParserMode::*;
    let second = [
        ("From: Eve <sip:e@x>;tag=e\r\n", HeaderKind::From),
        ("t: <sip:c@x>\r\n", HeaderKind::To),
        ("Call-ID: other\r\n", HeaderKind::CallId),
        ("CSeq: 2 INVITE\r\n", HeaderKind::CSeq),
        ("l: 0\r\n", HeaderKind::ContentLength),
        ("Max-Forwards: 69\r\n", HeaderKind::MaxForwards),
    ];
    let sip = |extra: &str| {
        BASIC.replace(
            "Content-Length",
            &format!("{extra}Max-Forwards: 70\r\nContent-Length"),
        )
    };
    let http = |extra: &str| {
        format!("GET /x HTTP/1.1\r\nVia: SIP/2.0/TCP 127.0.0.1:5060\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 GET\r\nMax-Forwards: 1\r\n{extra}Content-Length: 0\r\n\r\n")
    };
    for (extra, kind) in second {
        let strict = Request::parse_in(sip(extra).as_bytes(), Strict).err();
        assert_eq!(strict, Some(ParseError::Duplicate(kind)), "{extra:?}");
        assert_eq!(Request::parse(sip(extra).as_bytes()).err(), strict);
        // Lenient (sip_parser_mode=0): only a second Max-Forwards is refused.
        let lenient = Request::parse_in(sip(extra).as_bytes(), Lenient).err();
        let want = (kind == HeaderKind::MaxForwards).then_some(ParseError::Duplicate(kind));
        assert_eq!(lenient, want, "{extra:?}");
        // An HTTP request may repeat any of them, in either mode.
        for mode in [Strict, Lenient] {
            assert!(
                Request::parse_in(http(extra).as_bytes(), mode).is_ok(),
                "{extra:?}"
            );
        }
    }
    // Where a repeat is let through, the first To and Call-ID are the request's.
    let twice = BASIC.replace(
        "CSeq",
        "To: Carol <sip:c@example.com>;tag=c9\r\nCall-ID: second\r\nCSeq",
    );
    let req = Request::parse_in(twice.as_bytes(), Lenient).unwrap();
    assert_eq!((req.has_to, req.to_tag()), (true, None));
    assert_eq!(req.call_id(), Some(&b"call-1@192.0.2.1"[..]));
    let ack = Request::parse_ack_facts(twice.as_bytes(), Lenient).unwrap();
    assert_eq!((ack.to_tag(), ack.call_id()), (None, req.call_id()));
    assert_eq!(ParserMode::default(), Strict);
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
fn methods_compare_in_any_case_as_kamailio_does() {
    let m = BASIC.replacen("INVITE", "iNvItE", 1);
    let r = req(&m);
    assert!(r.is_method(b"INVITE") && !r.is_method(b"ACK"));
    for (m, ack) in [
        ("ACK sip:x SIP/2.0\r\n", true),
        ("ack sip:x SIP/2.0\r\n", true),
        ("\r\nAck sip:x SIP/2.0\r\n", true),
        ("ACKS sip:x SIP/2.0\r\n", false),
        ("ACK", false),
        ("BYE sip:x SIP/2.0\r\n", false),
    ] {
        assert_eq!(looks_like_ack(m.as_bytes()), ack, "{m:?}");
    }
}

#[test]
fn the_request_line_and_single_instance_lines_are_checked() {
    use ParseError::*;
    for (m, want) in [
        ("SIP/2.0 \r\nVia: SIP/2.0/UDP h\r\n\r\n", BadRequestLine),
        ("SIP/2.0 2\r\nVia: SIP/2.0/UDP h\r\n\r\n", IsReply),
        (
            "INV@ITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n",
            BadRequestLine,
        ),
        (
            " sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n",
            BadRequestLine,
        ),
    ] {
        assert_eq!(Request::parse(m.as_bytes()).err(), Some(want), "{m:?}");
    }
    let dup_from = BASIC.replace("To: Bob", "From: Eve <sip:e@x>;tag=e\r\nTo: Bob");
    assert_eq!(
        Request::parse(dup_from.as_bytes()).err(),
        Some(Duplicate(HeaderKind::From))
    );
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

#[test]
fn http_versions_by_their_name() {
    for (v, http) in [
        (&b"HTTP/1.1"[..], true),
        (b"http/1.0", true),
        (b"SIP/2.0", false),
        (b"HTTX/1.0", false),
        (b"H", false),
        (b"", false),
    ] {
        assert_eq!(
            super::split::is_http(v),
            http,
            "{:?}",
            String::from_utf8_lossy(v)
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
