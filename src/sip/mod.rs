//! Zero-copy reading of what a stateless reply needs from a SIP request.
//!
//! Nothing here allocates. A request comes either from the bytes ([`Request::parse`] scans the
//! head once to learn the facts a reply needs: first Via, To-tag, Call-ID) or from what the
//! host's parser already split ([`Request::from_split`]); a reply then copies the host's lines
//! and those [`Request::headers`] scans. All results are offsets into, or slices of, the caller's buffer.
//!
//! Tolerated as Kamailio tolerates: LF without CR, folded lines (a line starting with SP/HT
//! continues the previous one), compact header names, several Via values on one line, any
//! case in header names. Refused: a head without its closing empty line, a header line with
//! no colon or an empty name, a request line that is not `METHOD SP URI SP SIP/x.y`.
#![forbid(unsafe_code)]

mod addr;
mod kind;
mod lines;
mod split;
mod via;

pub use addr::{fmt_ipv4, tag_param};
pub use kind::{HeaderKind, ParserMode};
pub use lines::Headers;
pub use split::Split;
pub use via::{parse_first_via, Via};

pub(crate) use memchr::memchr;

use core::ops::Range;

/// Where a part of the message lies: `u32` offsets, 8 bytes where a `Range<usize>` takes 16,
/// so the request facts that hold a dozen of them stay cheap to move (a request longer than
/// `u32::MAX` bytes is refused: [`Request::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// From offsets into a message of at most `u32::MAX` bytes.
    pub(crate) fn of(r: Range<usize>) -> Span {
        debug_assert!(r.end <= u32::MAX as usize);
        Span::new(r.start as u32, r.end as u32)
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// Why a message cannot be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The head ends before its closing empty line.
    Truncated,
    /// The first line is not a SIP request line.
    BadRequestLine,
    /// A header line has no colon, or an empty or malformed name.
    BadHeader,
    /// The request has no Via header, so there is nowhere to send a reply.
    NoVia,
    /// A Via value cannot be read (the first: no `SIP/2.0/TRANSPORT host`; any: no `SIP /`).
    BadVia,
    /// A second From, To, Call-ID, CSeq, Content-Length or Max-Forwards, named (Kamailio's
    /// default strict parser refuses these).
    Duplicate(HeaderKind),
    /// The message is a reply (`SIP/2.0 code reason`); replies are never answered.
    IsReply,
    /// After the host's split, a line whose value the host's parser judges itself (a Via, To,
    /// CSeq or Retry-After): the host reads the rest of the head before a reply is built.
    ForHost,
}

impl ParseError {
    /// A short text for log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            ParseError::Truncated => "message head is not terminated by an empty line",
            ParseError::BadRequestLine => "malformed request line",
            ParseError::BadHeader => "malformed header line",
            ParseError::NoVia => "request has no Via header",
            ParseError::BadVia => "malformed Via header",
            ParseError::Duplicate(kind) => match kind {
                HeaderKind::From => "duplicate From header",
                HeaderKind::To => "duplicate To header",
                HeaderKind::CallId => "duplicate Call-ID header",
                HeaderKind::CSeq => "duplicate CSeq header",
                HeaderKind::ContentLength => "duplicate Content-Length header",
                HeaderKind::MaxForwards => "duplicate Max-Forwards header",
                HeaderKind::Via
                | HeaderKind::RecordRoute
                | HeaderKind::RetryAfter
                | HeaderKind::Other => "duplicate header",
            },
            ParseError::IsReply => "message is a reply, not a request",
            ParseError::ForHost => "a header line is left for the core's parser",
        }
    }
}

/// One header line (with its folded continuation lines), as offsets into the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub kind: HeaderKind,
    /// First byte of the name to just after the last line terminator.
    pub raw: Range<usize>,
    /// The value without surrounding white space (folds inside it are kept as they are); for
    /// [`HeaderKind::Other`], which no one reads, empty right after the colon.
    pub value: Range<usize>,
}

impl Header {
    /// The line as a reply copies it; `None` past 4 GiB.
    pub fn line(&self) -> Option<Line> {
        Some(Line {
            kind: self.kind,
            start: u32::try_from(self.raw.start).ok()?,
            value_end: u32::try_from(self.value.end).ok()?,
            end: u32::try_from(self.raw.end).ok()?,
        })
    }
}

/// A header line as a reply copies it: where it starts, where its value ends (before trailing
/// blanks and the line end) and where the next line starts. 16 bytes, so it travels in
/// registers (offsets are `u32`: Kamailio's messages are at most 64 KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub kind: HeaderKind,
    pub start: u32,
    pub value_end: u32,
    pub end: u32,
}

impl Line {
    /// A line a host holds but could not place inside its buffer: every copy refuses it.
    pub const UNREADABLE: Line = Line {
        kind: HeaderKind::Via,
        start: u32::MAX,
        value_end: 0,
        end: 0,
    };

    /// Its offsets are in order and inside a message of `len` bytes.
    pub fn within(self, len: usize) -> bool {
        self.start <= self.value_end && self.value_end <= self.end && self.end as usize <= len
    }

    pub fn raw(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A request as a reply sees it: the request line and the facts found in one scan of the head.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    buf: &'a [u8],
    pub method: &'a [u8],
    pub version: &'a [u8],
    /// An HTTP request (`HTTP/x.y`), as modules like xhttp hand to sl with a faked Via.
    pub http: bool,
    /// Where [`Request::headers`] starts: the first header line, or the end of the host's split.
    scan_from: usize,
    /// Read from a host's split: the head may end where the buffer ends (a message the host
    /// already took as whole), and the host judges the lines after its split that its parser
    /// checks ([`ParseError::ForHost`]).
    pub split: bool,
    /// The [`HeaderKind::once_bit`]s of the headers this request may not repeat
    /// ([`ParserMode::refused_twice`]); read through [`Request::once_bit`].
    refused_twice: u8,
    /// The [`HeaderKind::once_bit`]s of the lines the host's split holds but hands over as no
    /// line (Content-Length, Max-Forwards): a reply's duplicate check starts from them, and
    /// masks them with `refused_twice` as it masks every line's.
    pub split_once: u8,
    /// Where the header line holding the first Via value starts, and that value's fields.
    pub via1_at: usize,
    pub via1: Via,
    /// Whether there is a To header, and the first one's tag value (an empty `tag` counts as
    /// none).
    pub has_to: bool,
    pub to_tag: Option<Span>,
    /// The first Call-ID value.
    pub call_id: Option<Span>,
}

impl<'a> Request<'a> {
    /// Reads the request line and scans the head once, with Kamailio's default (strict) rule
    /// for repeated headers.
    pub fn parse(buf: &'a [u8]) -> Result<Request<'a>, ParseError> {
        Request::scan(buf, false, ParserMode::Strict)
    }

    /// [`Request::parse`] with the repeated-header rule of the host's `sip_parser_mode`.
    pub fn parse_in(buf: &'a [u8], mode: ParserMode) -> Result<Request<'a>, ParseError> {
        Request::scan(buf, false, mode)
    }

    /// Like [`Request::parse_in`], but stops at the first header line after the first Via, To
    /// and Call-ID have all been seen: all the ACK filter needs, for every ACK inside the
    /// window. Later lines are not checked (a duplicate there is not seen).
    pub fn parse_ack_facts(buf: &'a [u8], mode: ParserMode) -> Result<Request<'a>, ParseError> {
        Request::scan(buf, true, mode)
    }

    fn scan(buf: &'a [u8], stop_early: bool, mode: ParserMode) -> Result<Request<'a>, ParseError> {
        // Offsets are kept as `u32` (as a header line past 4 GiB, refused).
        u32::try_from(buf.len()).map_err(|_| ParseError::BadHeader)?;
        let (method, version, head_start) = request_line(buf)?;
        let http = split::is_http(version);
        let refused_twice = mode.refused_twice(http);
        let mut via1 = None;
        let mut to = None;
        let mut call_id = None;
        let mut seen = 0;
        for h in Headers::new(buf, head_start, false).skip_other() {
            let h = h?;
            let bit = h.kind.once_bit() & refused_twice;
            if seen & bit != 0 {
                return Err(ParseError::Duplicate(h.kind));
            }
            seen |= bit;
            // The first of each counts (where a repeat is let through, as the core keeps it).
            match h.kind {
                HeaderKind::Via if via1.is_none() => {
                    let v = parse_first_via(buf, h.value.clone()).ok_or(ParseError::BadVia)?;
                    via1 = Some((h, v));
                }
                HeaderKind::To if to.is_none() => to = Some(h),
                HeaderKind::CallId if call_id.is_none() => call_id = Some(Span::of(h.value)),
                _ => {}
            }
            if stop_early && via1.is_some() && to.is_some() && call_id.is_some() {
                break;
            }
        }
        let (via1_header, via1): (Header, Via) = via1.ok_or(ParseError::NoVia)?;
        let to_tag = to
            .as_ref()
            .and_then(|h| tag_param(buf, h.value.clone()))
            .filter(|t| !t.is_empty())
            .map(Span::of);
        Ok(Request {
            buf,
            method,
            version,
            http,
            scan_from: head_start,
            split: false,
            refused_twice,
            split_once: 0,
            via1_at: via1_header.raw.start,
            via1,
            has_to: to.is_some(),
            to_tag,
            call_id,
        })
    }

    /// The whole message.
    pub fn buf(&self) -> &'a [u8] {
        self.buf
    }

    /// The bytes of a span of the message.
    pub fn slice(&self, s: Span) -> &'a [u8] {
        &self.buf[s.range()]
    }

    /// Walks the header lines this request scans itself, in order: all of them for a parsed
    /// request, those after the host's split for a split one.
    pub fn headers(&self) -> Headers<'a> {
        Headers::new(self.buf, self.scan_from, self.split)
    }

    /// The request's method is `m`, both in any case (Kamailio compares method names so). `m`
    /// is letters only: `b | 0x20` then folds a byte's case exactly, and the compare of a fixed
    /// length unrolls (a slice's `eq_ignore_ascii_case` loops, ~60 instructions an INVITE).
    #[inline(always)]
    pub fn is_method<const N: usize>(&self, m: &[u8; N]) -> bool {
        debug_assert!(m.iter().all(u8::is_ascii_alphabetic));
        <&[u8; N]>::try_from(self.method).is_ok_and(|method| {
            let diff = method
                .iter()
                .zip(m)
                .fold(0u8, |d, (&b, &l)| d | ((b | 0x20) ^ (l | 0x20)));
            diff == 0
        })
    }

    /// The duplicate check's bit for a line of this kind in this request: 0 where the host's
    /// parser lets it repeat.
    #[inline(always)]
    pub fn once_bit(&self, kind: HeaderKind) -> u8 {
        kind.once_bit() & self.refused_twice
    }

    /// The host's parser lets this request repeat its To line (a reply then tags each).
    pub fn to_may_repeat(&self) -> bool {
        self.once_bit(HeaderKind::To) == 0
    }

    /// The To-tag value of the request, if it has a non-empty one.
    pub fn to_tag(&self) -> Option<&'a [u8]> {
        self.to_tag.map(|s| self.slice(s))
    }

    #[inline]
    pub fn call_id(&self) -> Option<&'a [u8]> {
        self.call_id.map(|s| self.slice(s))
    }
}

/// Whether the message is an ACK request, from its first bytes: `ACK` in any case and a
/// blank, after any empty lines Kamailio skips before the request line.
pub fn looks_like_ack(msg: &[u8]) -> bool {
    let m = msg.trim_ascii_start();
    m.len() > 3 && m[..3].eq_ignore_ascii_case(b"ACK") && m[3] == b' '
}

/// Reads `METHOD SP Request-URI SP SIP-Version CRLF` (or an HTTP/x.y request line); returns
/// method, version and the offset of the first header line.
fn request_line(buf: &[u8]) -> Result<(&[u8], &[u8], usize), ParseError> {
    let eol = memchr(b'\n', buf).ok_or(ParseError::Truncated)?;
    let line = trim_cr(&buf[..eol]);
    if line.len() > 8 && line[..8].eq_ignore_ascii_case(b"SIP/2.0 ") {
        return Err(ParseError::IsReply);
    }
    let mut parts = line.split(|&b| b == b' ');
    let method = parts.next().filter(|m| is_token(m));
    let uri = parts.next().filter(|u| !u.is_empty());
    let version = parts.next();
    match (method, uri, version, parts.next()) {
        (Some(m), Some(_), Some(v), None) if is_version(v) => Ok((m, v, eol + 1)),
        _ => Err(ParseError::BadRequestLine),
    }
}

/// `SIP/x.y`, or `HTTP/x.y` for the requests modules such as xhttp answer through sl.
fn is_version(v: &[u8]) -> bool {
    let Some(slash) = memchr(b'/', v) else {
        return false;
    };
    let (proto, num) = (&v[..slash], &v[slash + 1..]);
    (proto.eq_ignore_ascii_case(b"SIP") || proto.eq_ignore_ascii_case(b"HTTP"))
        && !num.is_empty()
        && num.iter().all(|b| b.is_ascii_digit() || *b == b'.')
}

/// `v[r]` without its leading and trailing white space, as a range of `v` (at the end of `r`
/// when that is all there is).
#[inline]
fn trim(v: &[u8], r: Range<usize>) -> Range<usize> {
    let s = &v[r.clone()];
    let lead = s.iter().take_while(|&&b| is_lws(b)).count();
    let trail = s[lead..].iter().rev().take_while(|&&b| is_lws(b)).count();
    r.start + lead..r.end - trail
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// White space inside a header value, including line ends of folded lines.
pub(crate) fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// RFC 3261 `token` characters, as a table: every header name and Via token is checked.
const TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        b += 1;
    }
    t
};

pub(crate) fn is_token_char(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

/// RFC 3261 `token`.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_token_char(b))
}

#[cfg(test)]
mod tests;
