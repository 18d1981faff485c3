//! Building a stateless reply from the received request (RFC 3261 8.2.6), laid out byte for
//! byte as Kamailio's `build_res_buf_from_sip_req` lays it out, into a caller-supplied buffer.
#![forbid(unsafe_code)]

pub mod ack;
pub mod forward;
mod md5;
pub mod reason;
pub mod totag;

use crate::sip::{HeaderKind, ParseError, Request};

/// Codes a script may send.
pub const CODES: core::ops::RangeInclusive<u16> = 100..=699;
/// Longest reason phrase accepted (Kamailio's `MAX_REASON_LEN`).
pub const MAX_REASON_LEN: usize = 128;

/// Why no reply was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlError {
    Parse(ParseError),
    /// Code outside 100..699.
    BadCode(i64),
    /// Reason empty, too long, or holding a control character (CR/LF/NUL would inject headers).
    BadReason,
    /// The reply does not fit in the buffer.
    TooBig,
    /// A reply to an ACK is never sent.
    Ack,
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
            SlError::BadReason => write!(
                f,
                "reason phrase must be 1..{MAX_REASON_LEN} bytes with no control characters (CR, LF, NUL)"
            ),
            SlError::TooBig => f.write_str("reply does not fit in the reply buffer"),
            SlError::Ack => f.write_str("ACK requests are never replied to"),
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

/// Checks a reason phrase: RFC 3261 allows text and HTAB, never CR, LF or other controls.
pub fn check_reason(reason: &[u8]) -> Result<(), SlError> {
    let ok = !reason.is_empty()
        && reason.len() <= MAX_REASON_LEN
        && reason
            .iter()
            .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f));
    ok.then_some(()).ok_or(SlError::BadReason)
}

/// Text the script queued for the reply (Kamailio's reply lumps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lump<'a> {
    /// Header lines, with their CRLF.
    Header(&'a [u8]),
    /// The body; the last one queued wins, as in Kamailio.
    Body(&'a [u8]),
}

/// What the host decides about a reply, beyond the request itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplyParams<'a> {
    pub code: u16,
    pub reason: &'a [u8],
    /// Tag for a To header that has none (see [`needs_to_tag`]).
    pub to_tag: Option<&'a [u8]>,
    /// Source address text to add as `;received=` to the top Via.
    pub received: Option<&'a [u8]>,
    /// Source port to put in the top Via's `rport`.
    pub rport: Option<u16>,
    /// Complete `Server: ...` header line, without CRLF.
    pub server_header: Option<&'a [u8]>,
}

/// Kamailio adds a To-tag to replies from 180 up when the request's To has none.
pub fn needs_to_tag(req: &Request, code: u16) -> bool {
    code >= 180 && req.to.is_some() && req.to_tag.is_none()
}

/// Writes the reply into `out`; returns its length.
pub fn build_reply<'l>(
    req: &Request,
    p: &ReplyParams,
    lumps: impl IntoIterator<Item = Lump<'l>>,
    out: &mut [u8],
) -> Result<usize, SlError> {
    check_code(p.code.into())?;
    check_reason(p.reason)?;
    if req.is_method(b"ACK") {
        return Err(SlError::Ack);
    }
    let mut w = Writer { out, len: 0 };
    let code = [
        b'0' + (p.code / 100) as u8,
        b'0' + (p.code / 10 % 10) as u8,
        b'0' + (p.code % 10) as u8,
    ];
    w.put_all(&[req.version, b" ", &code, b" ", p.reason, b"\r\n"])?;
    let mut rport_buf = [0u8; 12];
    let rport = p.rport.map(|port| fmt_rport(port, &mut rport_buf));
    let rr = (180..300).contains(&p.code);
    for h in req.headers() {
        let h = h?;
        let raw = req.slice(&h.raw);
        match h.kind {
            HeaderKind::Via => {
                // Vias end with CRLF whatever the request used; received/rport go on the first.
                let body = req.slice(&(h.raw.start..h.value.end));
                let line_start = w.len;
                if h.raw == req.via1_header.raw {
                    match (rport, &req.via1.rport) {
                        (Some(rp), Some(old)) => {
                            // Replace `;rport[=..]` in place, as Kamailio does.
                            let cut = old.start - 1 - h.raw.start;
                            let rest = old.end - h.raw.start;
                            w.put_all(&[&body[..cut], rp, &body[rest..]])?;
                        }
                        (Some(rp), None) => w.put_all(&[body, rp])?,
                        (None, _) => w.put(body)?,
                    }
                    if let Some(ip) = p.received {
                        w.put_all(&[b";received=", ip])?;
                    }
                } else {
                    w.put(body)?;
                }
                w.put(b"\r\n")?;
                if req.http {
                    // An HTTP client would read a Via as its own header: native renames it.
                    w.out[line_start] = b'S';
                }
            }
            HeaderKind::To => match p.to_tag.filter(|_| req.to_tag.is_none()) {
                Some(tag) => {
                    // Kamailio's To body runs to the line end: the tag goes after any blanks.
                    let at = line_end(raw);
                    w.put_all(&[&raw[..at], b";tag=", tag, &raw[at..]])?;
                }
                None => w.put(raw)?,
            },
            HeaderKind::RecordRoute if !rr => {}
            HeaderKind::RecordRoute | HeaderKind::From | HeaderKind::CallId | HeaderKind::CSeq => {
                w.put(raw)?
            }
            HeaderKind::Other => {}
        }
    }
    let mut body = None;
    for l in lumps {
        match l {
            Lump::Header(text) => w.put(text)?,
            Lump::Body(text) => body = Some(text),
        }
    }
    if let Some(server) = p.server_header.filter(|s| !s.is_empty()) {
        w.put_all(&[server, b"\r\n"])?;
    }
    let mut num = [0u8; 20];
    let clen = fmt_decimal(body.map_or(0, <[u8]>::len) as u64, &mut num);
    w.put_all(&[b"Content-Length: ", clen, b"\r\n\r\n"])?;
    if let Some(b) = body {
        w.put(b)?;
    }
    Ok(w.len)
}

/// Offset of the final line terminator (CRLF or LF) of a header line.
fn line_end(raw: &[u8]) -> usize {
    let lf = raw.len() - usize::from(raw.ends_with(b"\n"));
    lf - usize::from(raw[..lf].ends_with(b"\r"))
}

fn fmt_rport(port: u16, buf: &mut [u8; 12]) -> &[u8] {
    buf[..7].copy_from_slice(b";rport=");
    let mut num = [0u8; 20];
    let digits = fmt_decimal(port.into(), &mut num);
    buf[7..7 + digits.len()].copy_from_slice(digits);
    &buf[..7 + digits.len()]
}

/// Decimal digits of `v`, written at the end of `buf`.
pub(crate) fn fmt_decimal(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

struct Writer<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, s: &[u8]) -> Result<(), SlError> {
        let end = self
            .len
            .checked_add(s.len())
            .filter(|&e| e <= self.out.len())
            .ok_or(SlError::TooBig)?;
        self.out[self.len..end].copy_from_slice(s);
        self.len = end;
        Ok(())
    }

    fn put_all(&mut self, parts: &[&[u8]]) -> Result<(), SlError> {
        parts.iter().try_for_each(|p| self.put(p))
    }
}

#[cfg(test)]
mod tests;
