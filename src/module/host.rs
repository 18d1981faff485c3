//! The [`Host`] trait: what the module asks of Kamailio for one request (the message and the
//! core's split of it, the request's marks, where to send), so the module's decisions run
//! without Kamailio in the unit tests; `crate::ffi::host` implements it over `struct sip_msg`.
//! What is fixed for the process (the Server line, `sip_warning`, the host's version) is
//! read once, into [`super::Module`].
#![forbid(unsafe_code)]

use crate::reply::dialog::DialogKey;
use crate::reply::totag::TagInput;
use crate::reply::Lump;
use crate::sip::{Line, Split};

/// What the module needs from the host for one request.
pub trait Host {
    type Lumps<'a>: Iterator<Item = Lump<'a>>
    where
        Self: 'a;
    /// The header lines of the host's split that a reply copies (Via, From, To, Call-ID, CSeq,
    /// Record-Route), in order, read as the reply is written; a line the host holds outside
    /// its buffer comes as [`Line::UNREADABLE`]; the default has none.
    type Lines<'a>: Iterator<Item = Line> + Clone + Default
    where
        Self: 'a;
    /// The received message, borrowed for the call.
    fn msg(&self) -> &[u8];
    /// What the host's parser already read of the request, and the header lines it split;
    /// `None` when it has nothing (the module then reads `msg()` itself).
    fn split(&self) -> Option<(Split, Self::Lines<'_>)>;
    /// An ACK's To-tag (`None`: it has none) and what our tag for it is computed from, as the
    /// host's parser read them; `None` when it did not read all of them.
    fn ack_facts(&self) -> Option<(Option<&[u8]>, TagInput<'_>)>;
    /// What identifies the ACK to a reply to this request (`absorb_dialog_acks`), as the
    /// host's parser read it; `None` when it did not read all of it (the module then reads
    /// the bytes).
    fn dialog_key(&self) -> Option<DialogKey<'_>>;
    /// Has the host's parser read the rest of the head (as native's reply builder does); false
    /// when it refuses a line there.
    fn read_rest(&mut self) -> bool;
    /// The script marked the request "never reply" (`FL_MSG_NOREPLY`).
    fn no_reply(&self) -> bool;
    /// A final reply to the request already went out (Kamailio 6.0's `FL_FINAL_REPLY`; a host
    /// without that mark says false).
    fn final_replied(&self) -> bool;
    /// tm delayed its reply to the request (Kamailio 6.0's `FL_DELAYED_REPLY`).
    fn reply_delayed(&self) -> bool;
    /// Marks that a final reply went out, where the host keeps that mark (tm reads it).
    fn mark_final_reply(&mut self);
    /// Kamailio's `received_test`: the top Via needs `received=`.
    fn received_test(&self) -> bool;
    /// `rport` was forced for this request (`force_rport()` or the global flag).
    fn force_rport(&self) -> bool;
    /// Source address as text, written into `buf`.
    fn source_ip<'b>(&self, buf: &'b mut [u8; 64]) -> &'b [u8];
    fn source_port(&self) -> u16;
    /// Queues the destination set as Contact headers for a 3xx reply (`rich_redirect` decides
    /// what they carry).
    fn add_redirect_contacts(&mut self);
    /// Text the script queued for the reply, in order.
    fn lumps(&self) -> Self::Lumps<'_>;
    /// The request came over a stream (TCP, TLS, WebSocket): a reply may be larger than a
    /// datagram.
    fn stream(&self) -> bool;
    /// The core's `Warning:` header line for this request (asked only when its `sip_warning`
    /// is on, [`super::Module::sip_warning`]).
    fn warning(&self) -> Option<&[u8]>;
    /// Sends the reply statelessly to where the request's top Via says; the host runs its
    /// reply callbacks and event routes around it.
    fn send(&mut self, reply: &[u8], code: u16, reason: &[u8]) -> Result<(), SendFailed>;
    /// Kamailio's raw ticks.
    fn ticks(&self) -> u32;
    /// tm is bound and holds a transaction for this request.
    fn in_transaction(&self) -> bool;
    /// Replies statefully through tm.
    fn tm_reply(&mut self, code: u16, reason: &[u8]) -> Result<(), SendFailed>;
    /// Asks tm to answer the internal error (Kamailio 6.0's `t_reply_error`, when tm is bound);
    /// true when it did.
    fn tm_reply_error(&mut self) -> bool;
    /// Parameters the script asked to add to the first Via of the reply, each with its `;`
    /// (Kamailio 6.0's `xavp_via_reply_params`).
    fn via_extra(&self) -> Option<&[u8]>;
}

/// The host could not send a reply (it logs why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendFailed;
