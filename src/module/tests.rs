use super::*;
use crate::reply::totag::{TagInput, SL_SEED};
use crate::reply::{build_reply, Lump, ReplyParams};
use crate::sip::{HeaderKind, Line, ParseError, ParserMode, Split};

use crate::stats::Counter;

/// A host over plain buffers that records what was sent.
struct FakeHost {
    msg: Vec<u8>,
    no_reply: bool,
    received: bool,
    lumps: Vec<Lump<'static>>,
    sent: Vec<Vec<u8>>,
    fail_send: bool,
    now: u32,
    transaction: bool,
    tm_sent: Vec<(u16, Vec<u8>)>,
    redirects: usize,
    /// Hand the module a split of this many header lines, as Kamailio's parser does.
    split_at: Option<usize>,
    stream: bool,
    /// Kamailio 6.0's final-reply and delayed-reply marks.
    final_replied: bool,
    delayed: bool,
    /// tm answers an internal error (6.0's `t_reply_error`); how many it answered.
    tm_answers_errors: bool,
    tm_errors: usize,
    via_extra: Option<&'static [u8]>,
    /// The host's parser mode, for its split.
    mode: ParserMode,
    /// How often the module had the host read the rest of the head, and whether it refuses.
    rest_reads: usize,
    rest_refused: bool,
}

impl FakeHost {
    fn new(msg: &str) -> FakeHost {
        FakeHost {
            msg: msg.as_bytes().to_vec(),
            no_reply: false,
            received: true,
            lumps: vec![Lump::Header(b"X-Lump: 1\r\n")],
            sent: vec![],
            fail_send: false,
            now: 1000,
            transaction: false,
            tm_sent: vec![],
            redirects: 0,
            split_at: None,
            stream: false,
            final_replied: false,
            delayed: false,
            tm_answers_errors: false,
            tm_errors: 0,
            via_extra: None,
            mode: ParserMode::Strict,
            rest_reads: 0,
            rest_refused: false,
        }
    }

    fn split(msg: &str, k: usize) -> FakeHost {
        FakeHost {
            split_at: Some(k),
            ..FakeHost::new(msg)
        }
    }
}

impl Host for FakeHost {
    type Lumps<'a> = std::vec::IntoIter<Lump<'a>>;
    type Lines<'a> = std::vec::IntoIter<Line>;
    fn msg(&self) -> &[u8] {
        &self.msg
    }
    fn is_ack(&self) -> bool {
        looks_like_ack(&self.msg)
    }
    fn ack_facts(&self) -> Option<(Option<&[u8]>, TagInput<'_>)> {
        // What a host whose parser read the whole head hands over.
        self.split_at?;
        let req = Request::parse(&self.msg).ok()?;
        Some((req.to_tag(), TagInput::of(&req)))
    }
    fn split(&self) -> Option<(Split, Self::Lines<'_>)> {
        let (s, all) = crate::fuzzing::split_at(&self.msg, self.split_at?, self.mode)?;
        let copied: Vec<Line> = all
            .iter()
            .filter(|h| h.kind.copied())
            .map(|h| h.line().expect("small"))
            .collect();
        Some((s, copied.into_iter()))
    }
    fn no_reply(&self) -> bool {
        self.no_reply
    }
    fn final_replied(&self) -> bool {
        self.final_replied
    }
    fn reply_delayed(&self) -> bool {
        self.delayed
    }
    fn mark_final_reply(&mut self) {
        self.final_replied = true;
    }
    fn read_rest(&mut self) -> bool {
        self.rest_reads += 1;
        // A parser that read the whole head splits every line.
        self.split_at = Some(usize::MAX);
        !self.rest_refused
    }
    fn received_test(&self) -> bool {
        self.received
    }
    fn force_rport(&self) -> bool {
        false
    }
    fn source_ip<'b>(&self, buf: &'b mut [u8; 64]) -> &'b [u8] {
        buf[..9].copy_from_slice(b"127.0.0.2");
        &buf[..9]
    }
    fn source_port(&self) -> u16 {
        5099
    }
    fn lumps(&self) -> Self::Lumps<'_> {
        self.lumps.clone().into_iter()
    }
    fn server_header(&self) -> Option<&[u8]> {
        Some(b"Server: fake")
    }
    fn warning(&self) -> Option<&[u8]> {
        None
    }
    fn stream(&self) -> bool {
        self.stream
    }
    fn add_redirect_contacts(&mut self) {
        self.redirects += 1;
        self.lumps
            .push(Lump::Header(b"Contact: <sip:b@y>;q=0.5\r\n"));
    }
    fn send(&mut self, reply: &[u8], code: u16, reason: &[u8]) -> Result<(), SendFailed> {
        if self.fail_send {
            return Err(SendFailed);
        }
        let status = format!("SIP/2.0 {code} {}\r\n", String::from_utf8_lossy(reason));
        assert!(reply.starts_with(status.as_bytes()));
        self.sent.push(reply.to_vec());
        Ok(())
    }
    fn ticks(&self) -> u32 {
        self.now
    }
    fn in_transaction(&self) -> bool {
        self.transaction
    }
    fn tm_reply(&mut self, code: u16, reason: &[u8]) -> Result<(), SendFailed> {
        self.tm_sent.push((code, reason.to_vec()));
        Ok(())
    }
    fn tm_reply_error(&mut self) -> bool {
        self.tm_errors += usize::from(self.tm_answers_errors);
        self.tm_answers_errors
    }
    fn via_extra(&self) -> Option<&[u8]> {
        self.via_extra
    }
}

/// A reason the tests know to be good.
fn r(text: &[u8]) -> Reason<'_> {
    Reason::new(text).expect("a good reason")
}

fn module() -> Module {
    Module {
        signature: Signature::new(SL_SEED, b"127.0.0.1", b"5060"),
        ack_window: 32,
        via_layout: ViaLayout::AtEnd,
        reply_marks: true,
        parser_mode: ParserMode::Strict,
    }
}

const INVITE: &str =
    "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport\r\n\
    From: <sip:a@x>;tag=f\r\nTo: <sip:b@x>\r\nCall-ID: m1\r\nCSeq: 7 INVITE\r\n\r\n";

/// A 404 "x" to the request in `h`, from a buffer the size of the module's.
fn send_404(
    m: &Module,
    h: &mut FakeHost,
    shared: &Shared,
    tag: Option<&[u8]>,
) -> Result<Sent, ReplyError> {
    m.send_reply(h, shared, &mut [0u8; 2048], 404, r(b"x"), tag)
}

#[test]
fn reply_to_invite_opens_the_ack_window_and_its_ack_is_absorbed() {
    let m = module();
    let shared = Shared::default();
    let mut h = FakeHost::new(INVITE);
    let mut buf = [0u8; 2048];
    let sent = m
        .send_reply(&mut h, &shared, &mut buf, 404, r(b"Not Here"), None)
        .unwrap();
    assert_eq!(sent.code, 404);
    assert_eq!(shared.ack_deadline.load(Ordering::Relaxed), 1032);
    let reply = String::from_utf8(h.sent[0].clone()).unwrap();
    assert!(reply.starts_with("SIP/2.0 404 Not Here\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport=5099;received=127.0.0.2\r\n"), "{reply}");
    assert!(reply.contains("X-Lump: 1\r\nServer: fake\r\nContent-Length: 0\r\n\r\n"));
    let tag = reply
        .split(";tag=")
        .nth(2)
        .unwrap()
        .split("\r\n")
        .next()
        .unwrap();
    assert_eq!(tag.len(), crate::reply::totag::TOTAG_LEN);

    let ack = format!(
        "ACK sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport\r\n\
         From: <sip:a@x>;tag=f\r\nTo: <sip:b@x>;tag={tag}\r\nCall-ID: m1\r\nCSeq: 7 ACK\r\n\r\n"
    );
    assert_eq!(
        m.filter_ack(&FakeHost::new(&ack), 1010, &shared),
        Ok(AckDecision::Absorb)
    );
    assert_eq!(
        m.filter_ack(&FakeHost::new(&ack), 1032, &shared),
        Ok(AckDecision::TooLate)
    );
    let foreign = ack.replace(tag, "dialog-tag");
    assert_eq!(
        m.filter_ack(&FakeHost::new(&foreign), 1010, &shared),
        Ok(AckDecision::Foreign)
    );
    assert_eq!(
        m.filter_ack(&FakeHost::new(INVITE), 1010, &shared),
        Ok(AckDecision::NotAck)
    );
    assert!(m
        .filter_ack(&FakeHost::new("ACK garbage"), 1010, &shared)
        .is_err());
}

#[test]
fn non_invite_replies_leave_the_window_alone() {
    let m = module();
    let shared = Shared::default();
    shared.ack_deadline.store(5, Ordering::Relaxed);
    let mut h = FakeHost::new(&INVITE.replace("INVITE", "OPTIONS"));
    m.send_reply(&mut h, &shared, &mut [0u8; 2048], 200, r(b"OK"), None)
        .unwrap();
    assert_eq!(shared.ack_deadline.load(Ordering::Relaxed), 5);
}

#[test]
fn failures_are_reported_not_sent() {
    let m = module();
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    let mut h = FakeHost::new(INVITE);
    h.no_reply = true;
    assert_eq!(
        m.send_reply(&mut h, &shared, &mut buf, 404, r(b"x"), None),
        Err(ReplyError::NoReply)
    );
    let mut h = FakeHost::new(INVITE);
    h.fail_send = true;
    assert_eq!(
        m.send_reply(&mut h, &shared, &mut buf, 404, r(b"x"), None),
        Err(ReplyError::Send)
    );
    let mut h = FakeHost::new("INVITE sip:x SIP/2.0\r\nTo: <sip:x>\r\n\r\n");
    assert!(matches!(
        m.send_reply(&mut h, &shared, &mut buf, 404, r(b"x"), None),
        Err(ReplyError::Sl(SlError::Parse(_)))
    ));
    let mut h = FakeHost::new(INVITE);
    assert_eq!(
        m.send_reply(&mut h, &shared, &mut buf[..100], 404, r(b"x"), None),
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
        m.send_reply(
            &mut FakeHost::new(INVITE),
            &shared,
            &mut buf,
            code,
            r(b"x"),
            None,
        )
        .unwrap();
    }
    let mut h = FakeHost::new(INVITE);
    h.fail_send = true;
    assert!(m
        .send_reply(&mut h, &shared, &mut buf, 200, r(b"x"), None)
        .is_err());
    let mut h = FakeHost::new(INVITE);
    h.no_reply = true;
    assert!(m
        .send_reply(&mut h, &shared, &mut buf, 200, r(b"x"), None)
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
        m.reply_any(&mut h, &shared, &mut buf, 486, r(b"Busy")),
        Ok(Replied::Transaction)
    );
    assert_eq!(h.tm_sent, vec![(486, b"Busy".to_vec())]);
    assert!(h.sent.is_empty());
    // tm counts its own replies: sl's counters stay untouched.
    assert_eq!(shared.counters.value(crate::stats::Stat::SentReplies), 0);

    let mut h = FakeHost::new(INVITE);
    let r = m.reply_any(&mut h, &shared, &mut buf, 486, r(b"Busy"));
    assert!(matches!(r, Ok(Replied::Stateless(Sent { code: 486, .. }))));
    assert_eq!(h.sent.len(), 1);
}

#[test]
fn redirects_carry_the_destination_set_and_a_given_tag_wins() {
    let m = module();
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    let mut h = FakeHost::new(INVITE);
    m.send_reply(&mut h, &shared, &mut buf, 302, r(b"Moved"), Some(b"dlgtag"))
        .unwrap();
    assert_eq!(h.redirects, 1);
    let reply = String::from_utf8(h.sent[0].clone()).unwrap();
    assert!(reply.contains("Contact: <sip:b@y>;q=0.5\r\n"), "{reply}");
    assert!(reply.contains("To: <sip:b@x>;tag=dlgtag\r\n"), "{reply}");
    let mut h = FakeHost::new(INVITE);
    m.send_reply(&mut h, &shared, &mut buf, 404, r(b"x"), None)
        .unwrap();
    assert_eq!(h.redirects, 0);
}

#[test]
fn stateless_to_tag_is_the_one_replies_carry() {
    let m = module();
    let mut h = FakeHost::new(INVITE);
    send_404(&m, &mut h, &Shared::default(), None).unwrap();
    let tag = m.stateless_to_tag(&FakeHost::new(INVITE)).unwrap();
    let want = format!(";tag={}\r\n", std::str::from_utf8(&tag).unwrap());
    assert!(String::from_utf8_lossy(&h.sent[0]).contains(&want));
}

#[test]
fn absorbed_acks_are_counted() {
    let m = module();
    let shared = Shared::default();
    let mut h = FakeHost::new(INVITE);
    send_404(&m, &mut h, &shared, None).unwrap();
    let tag = m.stateless_to_tag(&FakeHost::new(INVITE)).unwrap();
    let ack = INVITE
        .replace("INVITE sip", "ACK sip")
        .replace("7 INVITE", "7 ACK")
        .replace(
            "To: <sip:b@x>",
            &format!("To: <sip:b@x>;tag={}", std::str::from_utf8(&tag).unwrap()),
        );
    assert_eq!(
        m.filter_ack(&FakeHost::new(&ack), 1001, &shared),
        Ok(AckDecision::Absorb)
    );
    assert_eq!(shared.counters.get(Counter::FilteredAcks), 1);
}

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
    module().send_reply(
        &mut h,
        &Shared::default(),
        &mut [0u8; 4096],
        code,
        r(b"R"),
        None,
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
fn a_split_ack_is_decided_as_a_parsed_one() {
    let m = module();
    let shared = Shared::default();
    send_404(&m, &mut FakeHost::new(INVITE), &shared, None).unwrap();
    let tag = m.stateless_to_tag(&FakeHost::new(INVITE)).unwrap();
    let ours = format!("To: <sip:b@x>;tag={}", std::str::from_utf8(&tag).unwrap());
    let ack = INVITE
        .replace("INVITE sip", "ACK sip")
        .replace("7 INVITE", "7 ACK");
    for (to, want) in [
        (&ours[..], AckDecision::Absorb),
        ("To: <sip:b@x>;tag=x", AckDecision::Foreign),
    ] {
        let msg = ack.replace("To: <sip:b@x>", to);
        for k in 0..6 {
            assert_eq!(
                m.filter_ack(&FakeHost::split(&msg, k), 1001, &shared),
                Ok(want),
                "{k}"
            );
        }
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
fn the_reply_is_followed_by_a_nul_as_native_hands_it_over() {
    let m = module();
    let mut buf = [0xffu8; 2048];
    let sent = m
        .send_reply(
            &mut FakeHost::new(INVITE),
            &Shared::default(),
            &mut buf,
            404,
            r(b"x"),
            None,
        )
        .unwrap();
    assert_eq!(buf[sent.len], 0);
    assert_ne!(buf[sent.len - 1], 0);
    // The NUL takes the last byte: a reply filling the buffer without it does not fit.
    let mut tight = vec![0u8; sent.len];
    assert_eq!(
        m.send_reply(
            &mut FakeHost::new(INVITE),
            &Shared::default(),
            &mut tight,
            404,
            r(b"x"),
            None
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
    m.send_reply(&mut h, &shared, &mut buf, 180, r(b"Ringing"), None)
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
