//! Replies from the host's split of a request: the same bytes as from the request read here,
//! its ranges checked, and the lines after it the host's parser judges left to it.
use super::*;

/// Requests whose header lines a host may have split anywhere: compact and long forms, several
/// Vias, Record-Route, a To with and without tag, LF-only lines, a folded line, and lines after
/// the split that are malformed or repeat a single-instance header.
const SHAPES: &[&str] = &[
    INVITE,
    "OPTIONS sip:b@x SIP/2.0\r\nv: SIP/2.0/UDP 10.1.1.1;branch=z9hG4bK1, SIP/2.0/TCP h2\r\n\
     Via: SIP/2.0/UDP h3:9\r\nRecord-Route: <sip:p;lr>\r\nf: <sip:a@x>;tag=f\r\nt: <sip:b@x>;tag=t\r\n\
     i: c2\r\nCSeq: 1 OPTIONS\r\nX-Long: a\r\n b\r\nl: 0\r\n\r\n",
    "REGISTER sip:x SIP/2.0\nVia: SIP/2.0/UDP h;rport\nFrom: <sip:a@x>;tag=1\nTo: <sip:a@x>\n\
     Contact: <sip:a@h>\nCall-ID: late\nCSeq: 2 REGISTER\n\n",
    "MESSAGE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n\
     Call-ID: d\r\nCSeq: 1 MESSAGE\r\nTo: <sip:c@x>\r\n\r\n",
    "BYE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n\
     Call-ID: e\r\nCSeq: 2 BYE\r\nno colon here\r\n\r\n",
    "CANCEL sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCSeq: 1 CANCEL\r\n\r\n",
    "INFO sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nContent-Length: 0\r\nMax-Forwards: 9\r\n\
     From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: i\r\nCSeq: 1 INFO\r\nl: 0\r\n\r\n",
    "INFO sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nMax-Forwards: 9\r\nFrom: <sip:a@x>;tag=1\r\n\
     To: <sip:b@x>\r\nCall-ID: i\r\nCSeq: 1 INFO\r\nMax-Forwards: 8\r\n\r\n",
];

/// Kamailio's received_test: `received` goes on the first Via when it has an rport, whatever
/// the address says, and otherwise only when the host's test says so.
#[test]
fn an_rport_in_the_first_via_adds_received_without_the_hosts_test() {
    let no_rport = INVITE.replace(";rport\r\n", "\r\n");
    for (msg, host_says, want) in [
        (INVITE.to_string(), false, true),
        (no_rport.clone(), false, false),
        (no_rport, true, true),
    ] {
        for h in [FakeHost::new(&msg), FakeHost::split(&msg, 6)] {
            let reply = reply_of(
                FakeHost {
                    received: host_says,
                    ..h
                },
                404,
            )
            .unwrap();
            let reply = String::from_utf8(reply).unwrap();
            assert_eq!(reply.contains(";received=127.0.0.2"), want, "{reply}");
        }
    }
}

fn reply_of(mut h: FakeHost, code: u16) -> Result<Vec<u8>, ReplyError> {
    module().reply_stateless(
        &mut h,
        &Shared::default(),
        &mut [0u8; 4096],
        Answer::new(code, r(b"R")),
    )?;
    Ok(h.sent.remove(0))
}

#[test]
fn a_split_request_gets_the_reply_a_parsed_one_gets() {
    for msg in SHAPES {
        let lines = msg.matches('\n').count();
        for code in [100, 200, 302, 404] {
            let parsed = reply_of(FakeHost::new(msg), code);
            for k in 0..lines {
                let split = reply_of(FakeHost::split(msg, k), code);
                assert_eq!(split, parsed, "split after {k} lines of {msg:?}");
            }
        }
    }
    // The shapes above cover both outcomes.
    assert!(reply_of(FakeHost::new(SHAPES[1]), 200).is_ok());
    assert_eq!(
        reply_of(FakeHost::new(SHAPES[3]), 200),
        Err(ReplyError::Sl(SlError::Parse(ParseError::Duplicate(
            HeaderKind::To
        ))))
    );
    assert_eq!(
        reply_of(FakeHost::new(SHAPES[4]), 200),
        Err(ReplyError::Sl(SlError::Parse(ParseError::BadHeader)))
    );
    // A repeated Content-Length or Max-Forwards is refused wherever the host's split ends.
    for (shape, kind) in [(6, HeaderKind::ContentLength), (7, HeaderKind::MaxForwards)] {
        assert_eq!(
            reply_of(FakeHost::split(SHAPES[shape], 3), 200),
            Err(ReplyError::Sl(SlError::Parse(ParseError::Duplicate(kind))))
        );
    }
}

#[test]
fn a_host_split_outside_the_message_is_refused() {
    let (mut s, lines) =
        crate::fuzzing::split_at(INVITE.as_bytes(), 5, ParserMode::Strict).unwrap();
    s.rest = INVITE.len() + 1;
    assert_eq!(
        Request::from_split(INVITE.as_bytes(), s.clone(), ParserMode::Strict).err(),
        Some(ParseError::BadHeader)
    );
    s.rest = INVITE.len() - 2;
    let req = Request::from_split(INVITE.as_bytes(), s, ParserMode::Strict).unwrap();
    let good = lines[0].line().unwrap();
    let mut out = [0u8; 1024];
    let p = ReplyParams {
        code: 404,
        reason: r(b"x"),
        ..Default::default()
    };
    assert!(build_reply(&req, [good], &p, [], &mut out).is_ok());
    for bad in [
        Line {
            value_end: good.end + 1,
            ..good
        },
        Line {
            start: good.value_end + 1,
            ..good
        },
        Line {
            end: INVITE.len() as u32 + 1,
            ..good
        },
        // What a host hands over for a line it cannot place in its buffer.
        Line::UNREADABLE,
    ] {
        assert_eq!(
            build_reply(&req, [good, bad], &p, [], &mut out),
            Err(SlError::Parse(ParseError::BadHeader)),
            "{bad:?}"
        );
    }
    // A second single-instance line from the host is refused as one from the bytes is.
    let from = lines[1].line().unwrap();
    assert_eq!(
        build_reply(&req, [good, from, from], &p, [], &mut out),
        Err(SlError::Parse(ParseError::Duplicate(from.kind)))
    );
}

#[test]
fn methods_in_any_case_decide_as_in_upper_case() {
    let m = module();
    let shared = Shared::default();
    let lower = INVITE.replacen("INVITE sip", "invite sip", 1);
    send_404(&m, &mut FakeHost::new(&lower), &shared, None).unwrap();
    assert_eq!(
        shared.ack_deadline.load(Ordering::Relaxed),
        1032,
        "the window opened"
    );
    let ack = INVITE.replacen("INVITE sip", "aCk sip", 1);
    assert_eq!(
        reply_of(FakeHost::new(&ack), 404),
        Err(ReplyError::Sl(SlError::Ack))
    );
}

#[test]
fn the_host_layout_and_extra_via_parameters_reach_the_reply() {
    let m = Module {
        via_layout: ViaLayout::AfterRportOrBranch,
        ..module()
    };
    let shared = Shared::default();
    for split in [None, Some(2)] {
        let mut h = FakeHost::new(INVITE);
        h.split_at = split;
        h.via_extra = Some(b";x=1");
        send_404(&m, &mut h, &shared, None).unwrap();
        let reply = String::from_utf8(h.sent[0].clone()).unwrap();
        assert!(
            reply.starts_with("SIP/2.0 404 x\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport=5099;received=127.0.0.2;x=1\r\n"),
            "{reply}"
        );
    }
}

#[test]
fn lines_after_the_split_that_the_hosts_parser_judges_are_left_to_it() {
    let with = |extra: &str| INVITE.replace("\r\n\r\n", &format!("\r\n{extra}\r\n\r\n"));
    let lenient = || Module {
        parser_mode: ParserMode::Lenient,
        ..module()
    };
    let shared = Shared::default();
    for (m, extra) in [
        (module(), "Retry-After: soon"),
        (module(), "Via: SIP/2.0/UDP proxy.example"),
        (lenient(), "To: <sip:c@x>"),
        (lenient(), "CSeq: 8 INVITE"),
    ] {
        let host = |refused: bool| FakeHost {
            mode: m.parser_mode,
            rest_refused: refused,
            ..FakeHost::split(&with(extra), 5)
        };
        // The host's parser refuses a line there: no reply, as native's builder gives none.
        let mut h = host(true);
        assert_eq!(
            send_404(&m, &mut h, &shared, None),
            Err(ReplyError::Sl(SlError::Parse(ParseError::BadHeader))),
            "{extra}"
        );
        assert!(h.sent.is_empty() && h.rest_reads == 1, "{extra}");
        // It accepts them: the reply from its split of the whole head, as from the bytes.
        let mut h = host(false);
        send_404(&m, &mut h, &shared, None).unwrap();
        let mut whole = FakeHost {
            mode: m.parser_mode,
            ..FakeHost::split(&with(extra), 99)
        };
        send_404(&m, &mut whole, &shared, None).unwrap();
        assert_eq!((h.rest_reads, whole.rest_reads), (1, 0), "{extra}");
        assert_eq!(h.sent, whole.sent, "{extra}");
    }
    // Strict, a repeated To is refused as one, without asking the host.
    let mut h = FakeHost::split(&with("To: <sip:c@x>"), 5);
    assert_eq!(
        send_404(&module(), &mut h, &shared, None),
        Err(ReplyError::Sl(SlError::Parse(ParseError::Duplicate(
            HeaderKind::To
        ))))
    );
    // Lines its parser does not judge are read here.
    let mut h = FakeHost::split(&with("Contact: <sip:a@x>\r\nl: 0"), 5);
    send_404(&module(), &mut h, &shared, None).unwrap();
    assert_eq!((h.rest_reads, h.sent.len()), (0, 1));
}
