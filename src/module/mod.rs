//! What the module does for one request, written against the [`Host`] trait so it can be tested
//! without Kamailio: answer statelessly or through tm, answer an internal error, filter ACKs,
//! and keep the statistics.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use crate::reply::ack::{self, AckDecision};
use crate::reply::dialog::{DialogAcks, DialogKey};
use crate::reply::reason::error_reply;
use crate::reply::totag::{Signature, TOTAG_LEN};
use crate::reply::{
    build_reply, needs_to_tag, reply_bound, Reason, ReplyParams, SlError, ToTag, ViaLayout,
};
use crate::sip::{looks_like_ack, ParseError, ParserMode, Request};
use crate::stats::Counters;

mod host;
pub use host::{Host, SendFailed};

/// Why a reply was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyError {
    Sl(SlError),
    /// The request is marked "no reply"; the host returns -2 for it.
    NoReply,
    /// The host could not send the reply.
    Send,
    /// tm could not send the reply.
    Tm,
    /// A reply was asked for while this process is sending another one (from a KEMI event
    /// callback or another module's reply callback); the host has one reply buffer.
    Busy,
    /// An internal-error reply, after a final reply went out; the host returns -2.
    FinalSent,
    /// An internal-error reply, while tm delays its reply; the host returns -3.
    Delayed,
}

impl From<SlError> for ReplyError {
    fn from(e: SlError) -> Self {
        ReplyError::Sl(e)
    }
}

impl From<ParseError> for ReplyError {
    fn from(e: ParseError) -> Self {
        ReplyError::Sl(SlError::Parse(e))
    }
}

/// State every worker shares, placed in the host's shared memory before the fork
/// (`repr(C)`: the host allocates it).
#[repr(C)]
#[derive(Debug, Default)]
pub struct Shared {
    /// Until this tick, ACKs are checked for our To-tag.
    pub ack_deadline: AtomicU32,
    /// Until this tick, ACKs are looked up in the in-dialog table (`absorb_dialog_acks`).
    pub dialog_deadline: AtomicU32,
    pub counters: Counters,
}

/// State fixed at start-up, read-only afterwards.
#[derive(Debug)]
pub struct Module<'t> {
    pub signature: Signature,
    /// Length of the ACK window in ticks (Kamailio's `SL_RPL_WAIT_TIME`, 2 s).
    pub ack_window: u32,
    /// Where the host's version puts `received`/`rport` on the first Via (and whether it has
    /// the script's extra Via parameters: only the 6.0 layout does).
    pub via_layout: ViaLayout,
    /// The host marks requests answered (6.0); 5.6 has no such mark, so nothing is set.
    pub reply_marks: bool,
    /// The host's `sip_parser_mode`: which repeated headers make a request one it refuses.
    pub parser_mode: ParserMode,
    /// The host refuses a reply with an empty reason (6.1); 5.6 and 6.0 send it.
    pub empty_reason_refused: bool,
    /// The core's `Server:` line (no CRLF) when its `server_signature` is on.
    pub server_header: Option<&'static [u8]>,
    /// The core's `sip_warning`: replies carry its `Warning:` line ([`Host::warning`]).
    pub sip_warning: bool,
    /// `absorb_dialog_acks`: the final replies to INVITEs that have a To-tag, remembered for
    /// their ACKs (in memory every worker shares).
    pub dialog_acks: Option<DialogAcks<'t>>,
}

/// Where a reply is written: the process's buffer, or `big` for one that outgrows it over a
/// stream.
struct Out<'b> {
    buf: &'b mut [u8],
    big: &'b mut Vec<u8>,
}

/// What a caller asks to send: the status line's code and reason, and a To-tag to use instead of
/// ours (the API's `dreply`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer<'a> {
    pub code: u16,
    pub reason: Reason<'a>,
    pub tag: Option<&'a [u8]>,
}

impl<'a> Answer<'a> {
    pub fn new(code: u16, reason: Reason<'a>) -> Answer<'a> {
        Answer {
            code,
            reason,
            tag: None,
        }
    }

    /// With `tag` as the reply's To-tag, where one is added (an empty one adds none).
    pub fn with_tag(self, tag: &'a [u8]) -> Answer<'a> {
        Answer {
            tag: Some(tag),
            ..self
        }
    }
}

/// A reply that went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub code: u16,
    pub len: usize,
}

/// How a reply went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replied {
    Stateless(Sent),
    Transaction,
}

/// A reply built in the buffer, ready to send.
struct Built {
    len: usize,
    /// It answers an INVITE: its ACK is looked for.
    invite: bool,
    /// A final reply to an INVITE with a To-tag, to remember for its ACK (`dialog_acks`).
    in_dialog: bool,
}

impl Module<'_> {
    /// A stateless reply (`sl_send_reply`, the API, KEMI), in one sequence: refuse what the host
    /// refuses, build into `buf` (the reply, then a NUL), open the ACK window, send, then count
    /// and mark it.
    pub fn reply_stateless<H: Host>(
        &self,
        host: &mut H,
        shared: &Shared,
        buf: &mut [u8],
        answer: Answer<'_>,
    ) -> Result<Sent, ReplyError> {
        // Before the no-reply mark and uncounted, as native 6.1's wrappers refuse it.
        self.check_reason(answer.reason)?;
        if host.no_reply() {
            return Err(ReplyError::NoReply);
        }
        let r = self.build_and_send(host, shared, buf, answer);
        // What follows a send, in one place.
        match r {
            Ok(_) => {
                shared.counters.reply(answer.code);
                if answer.code >= 200 && self.reply_marks {
                    host.mark_final_reply();
                }
            }
            Err(_) => shared.counters.failure(),
        }
        r
    }

    fn build_and_send<H: Host>(
        &self,
        host: &mut H,
        shared: &Shared,
        buf: &mut [u8],
        answer: Answer<'_>,
    ) -> Result<Sent, ReplyError> {
        if (300..400).contains(&answer.code) && !looks_like_ack(host.msg()) {
            host.add_redirect_contacts();
        }
        // Only for a reply that outgrows `buf` over a stream (native sizes its buffer to every
        // reply: over TCP and TLS, and xhttp's HTTP, a reply may pass 64 KB).
        let mut big = Vec::new();
        let built = match self.build(host, buf, &mut big, answer) {
            // After the host's split comes a line its parser judges itself (a Via, a repeated
            // To or CSeq, a Retry-After): the host reads the rest of the head, as native's reply
            // builder makes it, and refuses the request where its parser does; else the reply
            // is built from its split of the whole head (the first build stopped at that line,
            // before a buffer was sized for a large reply).
            Err(ReplyError::Sl(SlError::Parse(ParseError::ForHost))) => {
                if !host.read_rest() {
                    return Err(ParseError::BadHeader.into());
                }
                debug_assert!(big.is_empty());
                self.build(host, buf, &mut big, answer)?
            }
            r => r?,
        };
        // Before the send: an ACK to this reply may reach another worker before the send
        // returns.
        if built.invite {
            shared.ack_deadline.store(
                host.ticks().wrapping_add(self.ack_window),
                Ordering::Relaxed,
            );
        }
        if built.in_dialog {
            self.remember_dialog_reply(host, shared, answer.code);
        }
        let out = if big.is_empty() { buf } else { &mut big[..] };
        out[built.len] = 0;
        host.send(&out[..built.len], answer.code, answer.reason.as_bytes())
            .map_err(|SendFailed| ReplyError::Send)?;
        Ok(Sent {
            code: answer.code,
            len: built.len,
        })
    }

    /// Builds the reply from what the host split of the request (or from its bytes, when it
    /// split nothing).
    #[inline(always)]
    fn build<H: Host>(
        &self,
        host: &H,
        buf: &mut [u8],
        big: &mut Vec<u8>,
        answer: Answer<'_>,
    ) -> Result<Built, ReplyError> {
        let msg = host.msg();
        // Each arm builds from its own request, made where it is used (measured: one request
        // merged from both arms costs ~16 instructions a reply more, in moves).
        match host.split() {
            Some((s, lines)) => {
                let req = Request::from_split(msg, s, self.parser_mode)?;
                self.write(host, Out { buf, big }, req, lines, answer)
            }
            None => {
                let req = Request::parse_in(msg, self.parser_mode)?;
                self.write(host, Out { buf, big }, req, H::Lines::default(), answer)
            }
        }
    }

    /// Writes the reply to `req` into `out`: the host's facts about the request gathered
    /// first, then [`build_reply`].
    #[inline(always)]
    fn write<H: Host>(
        &self,
        host: &H,
        out: Out<'_>,
        req: Request<'_>,
        split: H::Lines<'_>,
        answer: Answer<'_>,
    ) -> Result<Built, ReplyError> {
        // By value: moved in as built, not copied out of its `Result` (measured: ~50
        // instructions a reply less than a reference).
        let req = &req;
        // A given tag (the API's dreply) wins over ours, where Kamailio adds one at all.
        let ours;
        let to_tag = match (needs_to_tag(req, answer.code), answer.tag) {
            (false, _) => None,
            // An empty given tag adds none, as Kamailio's reply builder does.
            (true, Some(b"")) => None,
            (true, Some(t)) => Some(ToTag::Given(t)),
            (true, None) => {
                ours = self.signature.tag_param(req);
                Some(ToTag::Ours(&ours))
            }
        };
        let mut ip = [0u8; 64];
        let has_rport = req.via1.rport.is_some();
        let params = ReplyParams {
            code: answer.code,
            reason: answer.reason,
            to_tag,
            // Kamailio's received_test: an rport in the first Via is enough (asked first, no
            // call into the host).
            received: (has_rport || host.received_test()).then(|| host.source_ip(&mut ip)),
            rport: (has_rport || host.force_rport()).then(|| host.source_port()),
            server_header: self.server_header,
            warning: if self.sip_warning {
                host.warning()
            } else {
                None
            },
            via_layout: self.via_layout,
            via_extra: match self.via_layout {
                ViaLayout::AfterRportOrBranch => host.via_extra(),
                ViaLayout::AtEnd => None,
            },
        };
        // The last byte stays for a NUL after the reply: native hands the host (callbacks,
        // event routes, the core's parser) a NUL-terminated buffer.
        let room = out.buf.len().checked_sub(1).ok_or(SlError::TooBig)?;
        let len = match build_reply(
            req,
            split.clone(),
            &params,
            host.lumps(),
            &mut out.buf[..room],
        ) {
            Err(SlError::TooBig) if host.stream() => {
                let bound = reply_bound(req.buf(), req.to_may_repeat(), &params, host.lumps());
                *out.big = vec![0; bound + 1];
                build_reply(req, split, &params, host.lumps(), &mut out.big[..bound])?
            }
            r => r?,
        };
        let invite = req.is_method(b"INVITE");
        Ok(Built {
            len,
            invite,
            in_dialog: invite
                && self.dialog_acks.is_some()
                && answer.code >= 200
                && req.to_tag.is_some(),
        })
    }

    /// Remembers a final reply to an INVITE that has a To-tag, for its ACK; one that cannot be
    /// (no key, a key too long, its bucket being written) lets its ACK through, as native does.
    #[cold]
    fn remember_dialog_reply<H: Host>(&self, host: &H, shared: &Shared, code: u16) {
        let (Some(table), Some(key)) = (self.dialog_acks, self.dialog_key(host)) else {
            return;
        };
        let now = host.ticks();
        let deadline = now.wrapping_add(self.ack_window);
        if table.remember(&key, code, now, deadline) {
            shared.dialog_deadline.store(deadline, Ordering::Relaxed);
        }
    }

    /// `send_reply(code, reason)`: through tm when it holds a transaction for the request,
    /// else statelessly.
    pub fn reply_tm_or_stateless<H: Host>(
        &self,
        host: &mut H,
        shared: &Shared,
        buf: &mut [u8],
        answer: Answer<'_>,
    ) -> Result<Replied, ReplyError> {
        if host.no_reply() {
            return Err(ReplyError::NoReply);
        }
        // After the no-reply mark and before tm, as native 6.1's send_reply.
        self.check_reason(answer.reason)?;
        if host.in_transaction() {
            return host
                .tm_reply(answer.code, answer.reason.as_bytes())
                .map(|()| Replied::Transaction)
                .map_err(|SendFailed| ReplyError::Tm);
        }
        self.reply_stateless(host, shared, buf, answer)
            .map(Replied::Stateless)
    }

    /// `sl_reply_error()`: answer the host's last internal error.
    pub fn reply_error<H: Host>(
        &self,
        host: &mut H,
        shared: &Shared,
        buf: &mut [u8],
        prev_ser_error: i32,
    ) -> Result<Sent, ReplyError> {
        if host.no_reply() {
            return Err(ReplyError::NoReply);
        }
        not_answered(host)?;
        let e = error_reply(prev_ser_error);
        let answer = Answer::new(e.code, Reason::new(e.reason())?);
        let sent = self.reply_stateless(host, shared, buf, answer)?;
        shared.counters.reply_error();
        Ok(sent)
    }

    /// `send_reply_error()` (Kamailio 6.0): the internal-error reply through tm when tm answers
    /// it, else statelessly.
    pub fn send_reply_error<H: Host>(
        &self,
        host: &mut H,
        shared: &Shared,
        buf: &mut [u8],
        prev_ser_error: i32,
    ) -> Result<Replied, ReplyError> {
        not_answered(host)?;
        if host.tm_reply_error() {
            return Ok(Replied::Transaction);
        }
        self.reply_error(host, shared, buf, prev_ser_error)
            .map(Replied::Stateless)
    }

    /// A request's in-dialog key: the host's reading, else the module's of the bytes.
    fn dialog_key<'h, H: Host>(&self, host: &'h H) -> Option<DialogKey<'h>> {
        host.dialog_key()
            .or_else(|| DialogKey::read(host.msg(), self.parser_mode))
    }

    /// Refuses an empty reason where the host's own sl does.
    #[inline(always)]
    fn check_reason(&self, reason: Reason<'_>) -> Result<(), SlError> {
        match self.empty_reason_refused && reason.as_bytes().is_empty() {
            true => Err(SlError::EmptyReason),
            false => Ok(()),
        }
    }

    /// The To-tag a stateless reply to this request carries (`$ltt(s)`).
    pub fn stateless_to_tag<H: Host>(&self, host: &H) -> Result<[u8; TOTAG_LEN], SlError> {
        Ok(self.signature.to_tag(&read(host, self.parser_mode)?.0))
    }

    /// The pre-script filter, for an ACK (the host asks only for those): `Absorb` means drop
    /// it before the script sees it.
    pub fn filter_ack<H: Host>(
        &self,
        host: &H,
        now: u32,
        shared: &Shared,
    ) -> Result<AckDecision, SlError> {
        // Outside the windows nothing needs reading (the decision is the same as after parsing:
        // `decide` tests the window first); the in-dialog table costs one test when it is off.
        let deadline = shared.ack_deadline.load(Ordering::Relaxed);
        let signed = ack::window_open(now, deadline);
        let in_dialog = self
            .dialog_acks
            .filter(|_| ack::window_open(now, shared.dialog_deadline.load(Ordering::Relaxed)));
        if !signed && in_dialog.is_none() {
            return Ok(AckDecision::TooLate);
        }
        let mut d = AckDecision::TooLate;
        if signed {
            d = match host.ack_facts() {
                Some((tag, input)) => ack::decide_ack(tag, &input, &self.signature, now, deadline),
                None => {
                    let req = Request::parse_ack_facts(host.msg(), self.parser_mode)?;
                    ack::decide(&req, &self.signature, now, deadline)
                }
            };
        }
        if d != AckDecision::Absorb {
            if let Some(table) = in_dialog {
                if self
                    .dialog_key(host)
                    .is_some_and(|k| table.matches(&k, now))
                {
                    d = AckDecision::Absorb;
                }
            }
        }
        if d == AckDecision::Absorb {
            shared.counters.filtered_ack();
        }
        Ok(d)
    }
}

/// An internal-error reply is refused once a final reply went out or while tm delays one
/// (Kamailio 6.0's marks; a 5.6 host has neither).
fn not_answered<H: Host>(host: &H) -> Result<(), ReplyError> {
    if host.final_replied() {
        return Err(ReplyError::FinalSent);
    }
    if host.reply_delayed() {
        return Err(ReplyError::Delayed);
    }
    Ok(())
}

/// The request, and the header lines the host split (none when it is read from its bytes).
#[inline(always)]
fn read<H: Host>(host: &H, mode: ParserMode) -> Result<(Request<'_>, H::Lines<'_>), ParseError> {
    let msg = host.msg();
    match host.split() {
        Some((s, lines)) => Ok((Request::from_split(msg, s, mode)?, lines)),
        None => Ok((Request::parse_in(msg, mode)?, H::Lines::default())),
    }
}

#[cfg(test)]
mod tests;
