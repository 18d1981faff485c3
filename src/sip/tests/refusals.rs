//! What Kamailio's parser refuses is refused here, and nothing else: malformed lines, repeats
//! by the parser mode, the request line, any bytes at all.
use super::*;

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
fn methods_compare_in_any_case_as_kamailio_does() {
    let m = BASIC.replacen("INVITE", "iNvItE", 1);
    let r = req(&m);
    assert!(r.is_method(b"INVITE") && r.is_method(b"invite") && !r.is_method(b"ACK"));
    // Two letters swapped differ by the same bits: the differences must add up, not cancel.
    let swapped = BASIC.replacen("INVITE", "NIVITE", 1);
    assert!(!req(&swapped).is_method(b"INVITE"));
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
            crate::sip::split::is_http(v),
            http,
            "{:?}",
            String::from_utf8_lossy(v)
        );
    }
}
