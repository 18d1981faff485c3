//! Building a stateless reply from the received request (RFC 3261 8.2.6), laid out byte for
//! byte as Kamailio's `build_res_buf_from_sip_req` lays it out, into a caller-supplied buffer.
#![forbid(unsafe_code)]

pub mod ack;
mod copier;
pub mod dialog;
pub mod forward;
pub mod reason;
pub mod totag;
mod writer;

use crate::sip::{Line, ParseError, Request};
use copier::{rport_param, Copier};
use totag::TAG_PARAM_LEN;
use writer::{fmt_decimal, Writer};

/// Codes a script may send.
pub const CODES: core::ops::RangeInclusive<u16> = 100..=699;
/// Kamailio's `MAX_REASON_LEN`: the buffer its internal-error reasons are printed into.
pub const MAX_REASON_LEN: usize = 128;

/// Why no reply was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlError {
    Parse(ParseError),
    /// Code outside 100..699.
    BadCode(i64),
    /// Reason holding a control character (CR/LF/NUL would inject headers).
    BadReason,
    /// The reply does not fit in the buffer.
    TooBig,
    /// A reply to an ACK is never sent.
    Ack,
    /// An empty reason phrase, on a host that refuses it (Kamailio 6.1).
    EmptyReason,
}

impl From<ParseError> for SlError {
    fn from(e: ParseError) -> Self {
        SlError::Parse(e)
    }
}

impl core::fmt::Display for SlError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SlError::Parse(e) => f.write_str(e.as_str()),
            SlError::BadCode(c) => write!(f, "reply code {c} is outside 100..699"),
            SlError::BadReason => {
                f.write_str("reason phrase holds a control character (CR, LF, NUL...)")
            }
            SlError::TooBig => f.write_str("reply does not fit in the reply buffer"),
            SlError::Ack => f.write_str("ACK requests are never replied to"),
            // Native 6.1's words.
            SlError::EmptyReason => f.write_str("reply reason is null or empty"),
        }
    }
}

/// Checks a reply code.
pub fn check_code(code: i64) -> Result<u16, SlError> {
    u16::try_from(code)
        .ok()
        .filter(|c| CODES.contains(c))
        .ok_or(SlError::BadCode(code))
}

/// Checks a reason phrase: RFC 3261 allows text and HTAB (of any length, none too), never CR,
/// LF or other controls: the one refusal native does not make (a CR/LF would inject headers).
pub fn check_reason(reason: &[u8]) -> Result<(), SlError> {
    // A table and no early exit: a reason is short, and every byte is looked at anyway when
    // it is good.
    let bad = reason
        .iter()
        .fold(false, |bad, &b| bad | NOT_TEXT[usize::from(b)]);
    (!bad).then_some(()).ok_or(SlError::BadReason)
}

/// A reason phrase a reply may carry ([`check_reason`]). [`Reason::new`] checks it, so the
/// builder copies it without looking at its bytes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reason<'a>(&'a [u8]);

impl<'a> Reason<'a> {
    pub fn new(text: &'a [u8]) -> Result<Reason<'a>, SlError> {
        check_reason(text).map(|()| Reason(text))
    }

    /// A reason [`check_reason`] accepted when Kamailio started (a script's literal, the
    /// module's default): Kamailio does not start with one it refuses. Only the host edge
    /// makes one so.
    #[cfg(feature = "kamailio")]
    pub(crate) fn checked_at_startup(text: &'a [u8]) -> Reason<'a> {
        debug_assert!(check_reason(text).is_ok());
        Reason(text)
    }

    pub fn as_bytes(self) -> &'a [u8] {
        self.0
    }
}

/// The bytes a reason phrase may not hold: controls other than HTAB, and DEL.
const NOT_TEXT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b < 0x20 && b != 0x09) || b == 0x7f;
        b += 1;
    }
    t
};

/// Text the script queued for the reply (Kamailio's reply lumps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lump<'a> {
    /// Header lines, with their CRLF.
    Header(&'a [u8]),
    /// The body; the last one queued wins, as in Kamailio.
    Body(&'a [u8]),
}

/// Where the host's reply builder puts `;received=` (and a new `;rport=`) on the first Via:
/// Kamailio moved them in 6.0. The host edge says which one its host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViaLayout {
    /// Kamailio 5.6: an `rport` is replaced where it is; a new `rport`, then `received`, go at
    /// the end of the Via value.
    #[default]
    AtEnd,
    /// Kamailio 6.0: `rport`, `received` and the script's extra Via parameters go where the
    /// `rport` they replace was, else right after the `branch`, else at the end.
    AfterRportOrBranch,
}

/// What the host decides about a reply, beyond the request itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplyParams<'a> {
    pub code: u16,
    pub reason: Reason<'a>,
    /// Tag for a To header that has none (see [`needs_to_tag`]).
    pub to_tag: Option<ToTag<'a>>,
    /// Source address text to add as `;received=` to the top Via.
    pub received: Option<&'a [u8]>,
    /// Source port to put in the top Via's `rport`.
    pub rport: Option<u16>,
    /// Complete `Server: ...` header line, without CRLF.
    pub server_header: Option<&'a [u8]>,
    /// Complete `Warning: ...` header line, without CRLF (the core's `sip_warning`).
    pub warning: Option<&'a [u8]>,
    pub via_layout: ViaLayout,
    /// Parameters the script asked to add to the first Via, each with its `;` (Kamailio 6.0's
    /// `xavp_via_reply_params`); only [`ViaLayout::AfterRportOrBranch`] hosts have them.
    pub via_extra: Option<&'a [u8]>,
}

/// The tag a reply adds to a To header that has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToTag<'a> {
    /// Ours, with its `;tag=` ([`totag::Signature::tag_param`]): one piece of fixed size.
    Ours(&'a [u8; TAG_PARAM_LEN]),
    /// A tag value given by a caller (the API's `dreply`).
    Given(&'a [u8]),
}

/// Kamailio adds a To-tag to replies from 180 up when the request's To has none.
pub fn needs_to_tag(req: &Request, code: u16) -> bool {
    code >= 180 && req.has_to && req.to_tag.is_none()
}

/// Writes the reply into `out`; returns its length. `split` are the header lines the host's
/// parser already split (what a reply copies of them, in order; empty for a request read from
/// its bytes); the lines after them are scanned here ([`Request::headers`]).
#[inline(always)]
pub fn build_reply<'l>(
    req: &Request,
    split: impl IntoIterator<Item = Line>,
    p: &ReplyParams,
    lumps: impl IntoIterator<Item = Lump<'l>>,
    out: &mut [u8],
) -> Result<usize, SlError> {
    check_code(p.code.into())?;
    if req.is_method(b"ACK") {
        return Err(SlError::Ack);
    }
    let mut w = Writer::new(out, req.buf());
    let digits = [
        b'0' + (p.code / 100) as u8,
        b'0' + (p.code / 10 % 10) as u8,
        b'0' + (p.code % 10) as u8,
    ];
    if req.version == b"SIP/2.0" {
        // The usual version and the code in one piece of fixed size (no copy call).
        let [a, b, c] = digits;
        w.put(&[
            b'S', b'I', b'P', b'/', b'2', b'.', b'0', b' ', a, b, c, b' ',
        ]);
    } else {
        w.put(req.version);
        w.put(&[b' ', digits[0], digits[1], digits[2], b' ']);
    }
    w.put(p.reason.as_bytes());
    w.put(b"\r\n");
    let mut rport_buf = [0u8; 20];
    let mut lines = Copier {
        req,
        p,
        rport: p.rport.map(|port| rport_param(port, &mut rport_buf)),
        rr: (180..300).contains(&p.code),
        seen: req.split_once,
    };
    for l in split {
        lines.copy(&mut w, l)?;
    }
    let scanned = req.headers().skip_other();
    if !scanned.at_end() {
        lines.copy_scanned(&mut w, scanned)?;
    }
    let mut body = None;
    for l in lumps {
        match l {
            Lump::Header(text) => w.put(text),
            Lump::Body(text) => body = Some(text),
        }
    }
    // The Server line's CRLF goes with what follows it.
    let server = p.server_header.filter(|s| !s.is_empty());
    if let Some(server) = server {
        w.put(server);
    }
    match (body.map(<[u8]>::len), p.warning) {
        // The common end in one copy.
        (None | Some(0), None) => match server {
            Some(_) => w.put(b"\r\nContent-Length: 0\r\n\r\n"),
            None => w.put(b"Content-Length: 0\r\n\r\n"),
        },
        (n, warning) => {
            if server.is_some() {
                w.put(b"\r\n");
            }
            let mut num = [0u8; 20];
            w.put(b"Content-Length: ");
            w.put(fmt_decimal(n.unwrap_or(0) as u64, &mut num));
            w.put(b"\r\n");
            // Kamailio puts its Warning after Content-Length.
            if let Some(warning) = warning {
                w.put(warning);
                w.put(b"\r\n");
            }
            w.put(b"\r\n");
        }
    }
    if let Some(b) = body {
        w.put(b);
    }
    w.finish()
}

/// An upper bound on the length of the reply to `request`: the lines it copies are at most
/// the request (plus a CRLF for a Via line that ended with a bare LF), a To line gains the tag
/// (one To, unless the host's parser lets a To repeat: [`Request::to_may_repeat`]; then any
/// line of the request may be one), and the rest is what the parameters and lumps add.
pub fn reply_bound<'l>(
    request: &[u8],
    to_may_repeat: bool,
    p: &ReplyParams,
    lumps: impl IntoIterator<Item = Lump<'l>>,
) -> usize {
    let lumps: usize = lumps
        .into_iter()
        .map(|l| match l {
            Lump::Header(t) | Lump::Body(t) => t.len(),
        })
        .sum();
    let to_lines = if to_may_repeat {
        memchr::memchr_iter(b'\n', request).count()
    } else {
        1
    };
    let opt = |o: Option<&[u8]>| o.map_or(0, <[u8]>::len);
    2 * request.len()
        + p.reason.as_bytes().len()
        + lumps
        + to_lines
            * p.to_tag.map_or(0, |t| match t {
                ToTag::Ours(param) => param.len(),
                ToTag::Given(value) => 5 + value.len(),
            })
        + opt(p.received)
        + opt(p.via_extra)
        + opt(p.server_header)
        + opt(p.warning)
        + 128
}

/// Whether Kamailio takes `msg` for a SIP message by its first line (its `sip_check_fline`:
/// after leading blanks, `SIP/2.0 ` starts a reply, or ` SIP/2.0` ends the first line of a
/// request; at least 10 bytes from there). The core runs its outgoing-data events (topoh,
/// sipdump...) only on those; native sl asks the same of every reply it sends.
pub fn is_sip_message(msg: &[u8]) -> bool {
    // Every reply to a SIP/2.0 request starts so: settled without the general walk.
    if msg.get(..10).is_some_and(|m| m.starts_with(b"SIP/2.0 ")) {
        return true;
    }
    let Some(at) = msg
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    else {
        return false;
    };
    if msg.len() - at < 10 {
        return false;
    }
    if msg[at..].starts_with(b"SIP/2.0 ") {
        return true;
    }
    let Some(eol) = msg[at..].iter().position(|&b| b == b'\r' || b == b'\n') else {
        return false;
    };
    let eol = at + eol;
    eol >= 10 && msg[eol - 8..eol] == *b" SIP/2.0"
}

#[cfg(test)]
mod tests;
