//! What the module does for one request, written against the [`Host`] trait so it can be tested
//! without Kamailio: answer statelessly, answer an internal error, filter ACKs.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use crate::reply::ack::{self, AckDecision};
use crate::reply::reason::error_reply;
use crate::reply::totag::Signature;
use crate::reply::{build_reply, needs_to_tag, Lump, ReplyParams, SlError};
use crate::sip::Request;

/// What the module needs from the host for one request.
pub trait Host {
    type Lumps<'a>: Iterator<Item = Lump<'a>>
    where
        Self: 'a;
    /// The received message, borrowed for the call.
    fn msg(&self) -> &[u8];
    /// The script marked the request "never reply" (`FL_MSG_NOREPLY`).
    fn no_reply(&self) -> bool;
    /// Kamailio's `received_test`: the top Via needs `received=`.
    fn received_test(&self) -> bool;
    /// `rport` was forced for this request (`force_rport()` or the global flag).
    fn force_rport(&self) -> bool;
    /// Source address as text, written into `buf`.
    fn source_ip<'b>(&self, buf: &'b mut [u8; 64]) -> &'b [u8];
    fn source_port(&self) -> u16;
    /// Text the script queued for the reply, in order.
    fn lumps(&self) -> Self::Lumps<'_>;
    /// `Server:` header line the core adds to local replies, if enabled.
    fn server_header(&self) -> Option<&[u8]>;
    /// Sends the reply statelessly to where the request's top Via says.
    fn send(&mut self, reply: &[u8]) -> Result<(), SendFailed>;
    /// Kamailio's raw ticks.
    fn ticks(&self) -> u32;
}

/// The host could not send a reply (it logs why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendFailed;

/// Why a reply was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyError {
    Sl(SlError),
    /// The request is marked "no reply"; the host returns -2 for it.
    NoReply,
    /// The host could not send the reply.
    Send,
}

impl From<SlError> for ReplyError {
    fn from(e: SlError) -> Self {
        ReplyError::Sl(e)
    }
}

/// State fixed at start-up, read-only afterwards.
#[derive(Debug)]
pub struct Module {
    pub signature: Signature,
    /// Length of the ACK window in ticks (Kamailio's `SL_RPL_WAIT_TIME`, 2 s).
    pub ack_window: u32,
}

/// A reply that went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub code: u16,
    pub len: usize,
}

impl Module {
    /// `sl_send_reply(code, reason)`: build into `buf` and send. `ack_deadline` is the stamp
    /// shared by all workers; a reply to an INVITE opens the ACK window.
    pub fn send_reply<H: Host>(
        &self,
        host: &mut H,
        ack_deadline: &AtomicU32,
        buf: &mut [u8],
        code: u16,
        reason: &[u8],
    ) -> Result<Sent, ReplyError> {
        if host.no_reply() {
            return Err(ReplyError::NoReply);
        }
        let len = {
            let req = Request::parse(host.msg()).map_err(SlError::from)?;
            let tag = needs_to_tag(&req, code).then(|| self.signature.to_tag(&req));
            let mut ip = [0u8; 64];
            let rport = req.via1.rport.is_some() || host.force_rport();
            let params = ReplyParams {
                code,
                reason,
                to_tag: tag.as_ref().map(|t| &t[..]),
                received: host.received_test().then(|| host.source_ip(&mut ip)),
                rport: rport.then(|| host.source_port()),
                server_header: host.server_header(),
            };
            let len = build_reply(&req, &params, host.lumps(), buf)?;
            if req.is_method(b"INVITE") {
                ack_deadline.store(
                    host.ticks().wrapping_add(self.ack_window),
                    Ordering::Relaxed,
                );
            }
            len
        };
        host.send(&buf[..len])
            .map_err(|SendFailed| ReplyError::Send)?;
        Ok(Sent { code, len })
    }

    /// `sl_reply_error()`: answer the host's last internal error.
    pub fn reply_error<H: Host>(
        &self,
        host: &mut H,
        ack_deadline: &AtomicU32,
        buf: &mut [u8],
        prev_ser_error: i32,
    ) -> Result<Sent, ReplyError> {
        let e = error_reply(prev_ser_error);
        self.send_reply(host, ack_deadline, buf, e.code, e.reason())
    }

    /// The pre-script filter: `Absorb` means drop the message before the script sees it.
    pub fn filter_ack(
        &self,
        msg: &[u8],
        now: u32,
        ack_deadline: &AtomicU32,
    ) -> Result<AckDecision, SlError> {
        // Cheap test first: most traffic is not ACK and needs no further reading.
        if !msg.starts_with(b"ACK ") {
            return Ok(AckDecision::NotAck);
        }
        let req = Request::parse(msg)?;
        Ok(ack::decide(
            &req,
            &self.signature,
            now,
            ack_deadline.load(Ordering::Relaxed),
        ))
    }
}

#[cfg(test)]
mod tests;
