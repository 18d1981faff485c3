use super::*;
use crate::reply::totag::{TagInput, SL_SEED};
use crate::reply::{build_reply, Lump, ReplyParams};
use crate::sip::{HeaderKind, Line, ParseError, ParserMode, Split};
use crate::stats::Counter;

mod ack;
mod outcomes;
mod split;

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
    fn ack_facts(&self) -> Option<(Option<&[u8]>, TagInput<'_>)> {
        // What a host whose parser read the whole head hands over.
        self.split_at?;
        let req = Request::parse(&self.msg).ok()?;
        Some((req.to_tag(), TagInput::of(&req)))
    }
    fn dialog_key(&self) -> Option<crate::reply::dialog::DialogKey<'_>> {
        // What a host whose parser read the head hands over (the module reads the bytes of
        // one that did not).
        self.split_at?;
        crate::reply::dialog::DialogKey::read(&self.msg, self.mode)
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
    fn warning(&self) -> Option<&[u8]> {
        // What the core prints when its sip_warning is on; asked only then.
        Some(b"Warning: 392 127.0.0.1:5060 \"Noisy feedback tells: pid=1\"")
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

fn module() -> Module<'static> {
    Module {
        signature: Signature::new(SL_SEED, b"127.0.0.1", b"5060"),
        ack_window: 32,
        via_layout: ViaLayout::AtEnd,
        reply_marks: true,
        parser_mode: ParserMode::Strict,
        empty_reason_refused: false,
        server_header: Some(b"Server: fake"),
        sip_warning: false,
        dialog_acks: None,
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
    let answer = Answer::new(404, r(b"x"));
    let answer = tag.map_or(answer, |t| answer.with_tag(t));
    m.reply_stateless(h, shared, &mut [0u8; 2048], answer)
}
