//! What a reply call ends in: sent, refused, through tm, counted, the request marked.
use super::*;

#[test]
fn failures_are_reported_not_sent() {
    let m = module();
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    let mut h = FakeHost::new(INVITE);
    h.no_reply = true;
    assert_eq!(
        m.reply_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b"x"))),
        Err(ReplyError::NoReply)
    );
    let mut h = FakeHost::new(INVITE);
    h.fail_send = true;
    assert_eq!(
        m.reply_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b"x"))),
        Err(ReplyError::Send)
    );
    let mut h = FakeHost::new("INVITE sip:x SIP/2.0\r\nTo: <sip:x>\r\n\r\n");
    assert!(matches!(
        m.reply_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b"x"))),
        Err(ReplyError::Sl(SlError::Parse(_)))
    ));
    let mut h = FakeHost::new(INVITE);
    assert_eq!(
        m.reply_stateless(&mut h, &shared, &mut buf[..100], Answer::new(404, r(b"x"))),
        Err(ReplyError::Sl(SlError::TooBig))
    );
    assert!(h.sent.is_empty());
}

#[test]
fn reply_error_sends_the_mapped_reply() {
    let m = module();
    let shared = Shared::default();
    let mut h = FakeHost::new(INVITE);
    m.reply_error(&mut h, &shared, &mut [0u8; 2048], -478)
        .unwrap();
    assert!(h.sent[0].starts_with(b"SIP/2.0 478 Unresolvable destination (478/SL)\r\n"));
    assert_eq!(shared.counters.get(Counter::SentErr), 1);
    assert_eq!(shared.counters.get(Counter::R4xx), 1);
}

#[test]
fn replies_and_failures_are_counted() {
    let m = module();
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    for code in [200, 404, 404, 180] {
        m.reply_stateless(
            &mut FakeHost::new(INVITE),
            &shared,
            &mut buf,
            Answer::new(code, r(b"x")),
        )
        .unwrap();
    }
    let mut h = FakeHost::new(INVITE);
    h.fail_send = true;
    assert!(m
        .reply_stateless(&mut h, &shared, &mut buf, Answer::new(200, r(b"x")))
        .is_err());
    let mut h = FakeHost::new(INVITE);
    h.no_reply = true;
    assert!(m
        .reply_stateless(&mut h, &shared, &mut buf, Answer::new(200, r(b"x")))
        .is_err());
    let c = &shared.counters;
    assert_eq!(c.get(Counter::R200), 1);
    assert_eq!(c.get(Counter::R404), 2);
    assert_eq!(c.get(Counter::R1xx), 1);
    // A refused send is a failure; "no reply" is the script's choice, not a failure.
    assert_eq!(c.get(Counter::Failures), 1);
    assert_eq!(c.get(Counter::FilteredAcks), 0);
}

#[test]
fn send_reply_goes_through_tm_when_a_transaction_exists() {
    let m = module();
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    let mut h = FakeHost::new(INVITE);
    h.transaction = true;
    assert_eq!(
        m.reply_tm_or_stateless(&mut h, &shared, &mut buf, Answer::new(486, r(b"Busy"))),
        Ok(Replied::Transaction)
    );
    assert_eq!(h.tm_sent, vec![(486, b"Busy".to_vec())]);
    assert!(h.sent.is_empty());
    // tm counts its own replies: sl's counters stay untouched.
    assert_eq!(shared.counters.value(crate::stats::Stat::SentReplies), 0);

    let mut h = FakeHost::new(INVITE);
    let r = m.reply_tm_or_stateless(&mut h, &shared, &mut buf, Answer::new(486, r(b"Busy")));
    assert!(matches!(r, Ok(Replied::Stateless(Sent { code: 486, .. }))));
    assert_eq!(h.sent.len(), 1);
}

#[test]
fn redirects_carry_the_destination_set_and_a_given_tag_wins() {
    let m = module();
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    let mut h = FakeHost::new(INVITE);
    m.reply_stateless(
        &mut h,
        &shared,
        &mut buf,
        Answer::new(302, r(b"Moved")).with_tag(b"dlgtag"),
    )
    .unwrap();
    assert_eq!(h.redirects, 1);
    let reply = String::from_utf8(h.sent[0].clone()).unwrap();
    assert!(reply.contains("Contact: <sip:b@y>;q=0.5\r\n"), "{reply}");
    assert!(reply.contains("To: <sip:b@x>;tag=dlgtag\r\n"), "{reply}");
    let mut h = FakeHost::new(INVITE);
    m.reply_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b"x")))
        .unwrap();
    assert_eq!(h.redirects, 0);
}

#[test]
fn the_reply_is_followed_by_a_nul_as_native_hands_it_over() {
    let m = module();
    let mut buf = [0xffu8; 2048];
    let sent = m
        .reply_stateless(
            &mut FakeHost::new(INVITE),
            &Shared::default(),
            &mut buf,
            Answer::new(404, r(b"x")),
        )
        .unwrap();
    assert_eq!(buf[sent.len], 0);
    assert_ne!(buf[sent.len - 1], 0);
    // The NUL takes the last byte: a reply filling the buffer without it does not fit.
    let mut tight = vec![0u8; sent.len];
    assert_eq!(
        m.reply_stateless(
            &mut FakeHost::new(INVITE),
            &Shared::default(),
            &mut tight,
            Answer::new(404, r(b"x"))
        ),
        Err(ReplyError::Sl(SlError::TooBig))
    );
}

#[test]
fn an_empty_given_to_tag_adds_none() {
    let m = module();
    let mut h = FakeHost::new(INVITE);
    send_404(&m, &mut h, &Shared::default(), Some(b"")).unwrap();
    let reply = String::from_utf8(h.sent.remove(0)).unwrap();
    assert!(reply.contains("\r\nTo: <sip:b@x>\r\n"), "{reply}");
}

#[test]
fn over_a_stream_a_reply_may_outgrow_the_buffer_as_native_sizes_it() {
    let m = module();
    static BIG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let lump: &'static str = BIG.get_or_init(|| format!("X-Big: {}\r\n", "b".repeat(5000)));
    for stream in [false, true] {
        let mut h = FakeHost::new(INVITE);
        h.stream = stream;
        h.lumps.push(Lump::Header(lump.as_bytes()));
        let r = send_404(&m, &mut h, &Shared::default(), None);
        if stream {
            let sent = r.unwrap();
            assert!(sent.len > 5000);
            let reply = String::from_utf8(h.sent.remove(0)).unwrap();
            assert!(reply.contains(lump) && reply.ends_with("Content-Length: 0\r\n\r\n"));
        } else {
            // A datagram cannot carry more than the buffer: refused, as before.
            assert_eq!(r, Err(ReplyError::Sl(SlError::TooBig)));
        }
    }
}

#[test]
fn a_final_reply_marks_the_request_and_an_error_reply_after_it_is_refused() {
    let m = module();
    let shared = Shared::default();
    let mut h = FakeHost::new(INVITE);
    let mut buf = [0u8; 2048];
    // A provisional reply leaves it unmarked; a failed send too.
    m.reply_stateless(&mut h, &shared, &mut buf, Answer::new(180, r(b"Ringing")))
        .unwrap();
    assert!(!h.final_replied);
    h.fail_send = true;
    assert_eq!(send_404(&m, &mut h, &shared, None), Err(ReplyError::Send));
    assert!(!h.final_replied);
    h.fail_send = false;
    send_404(&m, &mut h, &shared, None).unwrap();
    assert!(h.final_replied);
    assert_eq!(
        m.reply_error(&mut h, &shared, &mut buf, -478),
        Err(ReplyError::FinalSent)
    );
    assert_eq!(
        m.send_reply_error(&mut h, &shared, &mut buf, -478),
        Err(ReplyError::FinalSent)
    );
    assert_eq!(h.sent.len(), 2, "nothing sent after the final reply");

    let mut d = FakeHost::new(INVITE);
    d.delayed = true;
    d.tm_answers_errors = true;
    assert_eq!(
        m.reply_error(&mut d, &shared, &mut buf, -478),
        Err(ReplyError::Delayed)
    );
    assert_eq!(
        m.send_reply_error(&mut d, &shared, &mut buf, -478),
        Err(ReplyError::Delayed)
    );
    assert!(d.sent.is_empty() && d.tm_errors == 0);
}

#[test]
fn send_reply_error_goes_through_tm_when_tm_answers_else_statelessly() {
    let m = module();
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    let mut t = FakeHost::new(INVITE);
    t.tm_answers_errors = true;
    assert_eq!(
        m.send_reply_error(&mut t, &shared, &mut buf, -478),
        Ok(Replied::Transaction)
    );
    assert_eq!((t.tm_errors, t.sent.len()), (1, 0));

    let mut s = FakeHost::new(INVITE);
    let r = m.send_reply_error(&mut s, &shared, &mut buf, -478);
    assert!(
        matches!(r, Ok(Replied::Stateless(Sent { code: 478, .. }))),
        "{r:?}"
    );
    assert!(s.sent[0].starts_with(b"SIP/2.0 478 Unresolvable destination (478/SL)\r\n"));
    assert!(s.final_replied);
    assert_eq!(shared.counters.get(Counter::SentErr), 1);

    let mut n = FakeHost::new(INVITE);
    n.no_reply = true;
    assert_eq!(
        m.send_reply_error(&mut n, &shared, &mut buf, -478),
        Err(ReplyError::NoReply)
    );
}

#[test]
fn an_empty_reason_is_sent_or_refused_as_the_hosts_own_sl_decides() {
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    // 5.6 and 6.0 send it.
    let mut h = FakeHost::new(INVITE);
    module()
        .reply_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b"")))
        .unwrap();
    assert!(h.sent[0].starts_with(b"SIP/2.0 404 \r\n"));
    // 6.1 refuses it, before the no-reply mark (sl_send_reply) and uncounted; a reason of one
    // byte still goes out.
    let m = Module {
        empty_reason_refused: true,
        ..module()
    };
    let shared = Shared::default();
    for no_reply in [false, true] {
        let mut h = FakeHost::new(INVITE);
        h.no_reply = no_reply;
        assert_eq!(
            m.reply_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b""))),
            Err(ReplyError::Sl(SlError::EmptyReason))
        );
        assert!(h.sent.is_empty());
    }
    assert_eq!(shared.counters.get(Counter::Failures), 0);
    let mut h = FakeHost::new(INVITE);
    m.reply_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b" ")))
        .unwrap();
    assert!(h.sent[0].starts_with(b"SIP/2.0 404  \r\n"));
    // send_reply: the no-reply mark first, then the reason, before tm is asked.
    let mut h = FakeHost::new(INVITE);
    h.no_reply = true;
    assert_eq!(
        m.reply_tm_or_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b""))),
        Err(ReplyError::NoReply)
    );
    for transaction in [false, true] {
        let mut h = FakeHost::new(INVITE);
        h.transaction = transaction;
        assert_eq!(
            m.reply_tm_or_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b""))),
            Err(ReplyError::Sl(SlError::EmptyReason))
        );
        assert!(h.sent.is_empty() && h.tm_sent.is_empty());
    }
    let mut h = FakeHost::new(INVITE);
    h.transaction = true;
    module()
        .reply_tm_or_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b"")))
        .unwrap();
    assert_eq!(h.tm_sent, [(404, vec![])]);
}

#[test]
fn the_cores_warning_line_is_added_only_when_its_sip_warning_is_on() {
    for sip_warning in [false, true] {
        let m = Module {
            sip_warning,
            ..module()
        };
        let mut h = FakeHost::new(INVITE);
        send_404(&m, &mut h, &Shared::default(), None).unwrap();
        let reply = String::from_utf8(h.sent[0].clone()).unwrap();
        assert_eq!(
            reply.contains("\r\nContent-Length: 0\r\nWarning: 392 127.0.0.1:5060 "),
            sip_warning,
            "{reply}"
        );
        // The Server line is read once, at start-up, into the module.
        assert!(reply.contains("\r\nServer: fake\r\n"), "{reply}");
    }
}
