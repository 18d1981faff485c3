use super::*;
use crate::reply::totag::SL_SEED;

/// A host over plain buffers that records what was sent.
struct FakeHost {
    msg: Vec<u8>,
    no_reply: bool,
    received: bool,
    lumps: Vec<Lump<'static>>,
    sent: Vec<Vec<u8>>,
    fail_send: bool,
    now: u32,
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
        }
    }
}

impl Host for FakeHost {
    type Lumps<'a> = std::vec::IntoIter<Lump<'a>>;
    fn msg(&self) -> &[u8] {
        &self.msg
    }
    fn no_reply(&self) -> bool {
        self.no_reply
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
    fn send(&mut self, reply: &[u8]) -> Result<(), SendFailed> {
        if self.fail_send {
            return Err(SendFailed);
        }
        self.sent.push(reply.to_vec());
        Ok(())
    }
    fn ticks(&self) -> u32 {
        self.now
    }
}

fn module() -> Module {
    Module {
        signature: Signature::new(SL_SEED, b"127.0.0.1", b"5060"),
        ack_window: 32,
    }
}

const INVITE: &str =
    "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport\r\n\
    From: <sip:a@x>;tag=f\r\nTo: <sip:b@x>\r\nCall-ID: m1\r\nCSeq: 7 INVITE\r\n\r\n";

#[test]
fn reply_to_invite_opens_the_ack_window_and_its_ack_is_absorbed() {
    let m = module();
    let stamp = AtomicU32::new(0);
    let mut h = FakeHost::new(INVITE);
    let mut buf = [0u8; 2048];
    let sent = m
        .send_reply(&mut h, &stamp, &mut buf, 404, b"Not Here")
        .unwrap();
    assert_eq!(sent.code, 404);
    assert_eq!(stamp.load(Ordering::Relaxed), 1032);
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
        m.filter_ack(ack.as_bytes(), 1010, &stamp),
        Ok(AckDecision::Absorb)
    );
    assert_eq!(
        m.filter_ack(ack.as_bytes(), 1032, &stamp),
        Ok(AckDecision::TooLate)
    );
    let foreign = ack.replace(tag, "dialog-tag");
    assert_eq!(
        m.filter_ack(foreign.as_bytes(), 1010, &stamp),
        Ok(AckDecision::Foreign)
    );
    assert_eq!(
        m.filter_ack(INVITE.as_bytes(), 1010, &stamp),
        Ok(AckDecision::NotAck)
    );
    assert!(m.filter_ack(b"ACK garbage", 1010, &stamp).is_err());
}

#[test]
fn non_invite_replies_leave_the_window_alone() {
    let m = module();
    let stamp = AtomicU32::new(5);
    let mut h = FakeHost::new(&INVITE.replace("INVITE", "OPTIONS"));
    m.send_reply(&mut h, &stamp, &mut [0u8; 2048], 200, b"OK")
        .unwrap();
    assert_eq!(stamp.load(Ordering::Relaxed), 5);
}

#[test]
fn failures_are_reported_not_sent() {
    let m = module();
    let stamp = AtomicU32::new(0);
    let mut buf = [0u8; 2048];
    let mut h = FakeHost::new(INVITE);
    h.no_reply = true;
    assert_eq!(
        m.send_reply(&mut h, &stamp, &mut buf, 404, b"x"),
        Err(ReplyError::NoReply)
    );
    let mut h = FakeHost::new(INVITE);
    h.fail_send = true;
    assert_eq!(
        m.send_reply(&mut h, &stamp, &mut buf, 404, b"x"),
        Err(ReplyError::Send)
    );
    let mut h = FakeHost::new("INVITE sip:x SIP/2.0\r\nTo: <sip:x>\r\n\r\n");
    assert!(matches!(
        m.send_reply(&mut h, &stamp, &mut buf, 404, b"x"),
        Err(ReplyError::Sl(SlError::Parse(_)))
    ));
    let mut h = FakeHost::new(INVITE);
    assert_eq!(
        m.send_reply(&mut h, &stamp, &mut buf[..100], 404, b"x"),
        Err(ReplyError::Sl(SlError::TooBig))
    );
    assert!(h.sent.is_empty());
}

#[test]
fn reply_error_sends_the_mapped_reply() {
    let m = module();
    let mut h = FakeHost::new(INVITE);
    m.reply_error(&mut h, &AtomicU32::new(0), &mut [0u8; 2048], -478)
        .unwrap();
    assert!(h.sent[0].starts_with(b"SIP/2.0 478 Unresolvable destination (478/SL)\r\n"));
}
