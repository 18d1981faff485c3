//! Zero-copy reading of what a stateless reply needs from a SIP request.
//!
//! Nothing here allocates: [`Request::parse`] scans the head once to learn the facts a reply
//! needs (first Via, To-tag, Call-ID), and [`Request::headers`] walks the header lines again on
//! demand. All results are offsets into, or slices of, the caller's buffer.
//!
//! Tolerated as Kamailio tolerates: LF without CR, folded lines (a line starting with SP/HT
//! continues the previous one), compact header names, several Via values on one line, any
//! case in header names. Refused: a head without its closing empty line, a header line with
//! no colon or an empty name, a request line that is not `METHOD SP URI SP SIP/x.y`.
#![forbid(unsafe_code)]

mod addr;
mod via;

pub use addr::tag_param;
pub use via::{parse_first_via, Via};

use core::ops::Range;

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
    /// The first Via value cannot be read (no `SIP/2.0/TRANSPORT host`).
    BadVia,
    /// A second From, To, Call-ID or CSeq (Kamailio's default strict parser refuses these).
    Duplicate,
    /// The message is a reply (`SIP/2.0 code reason`); replies are never answered.
    IsReply,
}

impl ParseError {
    /// A short text for log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            ParseError::Truncated => "message head is not terminated by an empty line",
            ParseError::BadRequestLine => "malformed request line",
            ParseError::BadHeader => "malformed header line",
            ParseError::NoVia => "request has no Via header",
            ParseError::BadVia => "malformed first Via header",
            ParseError::Duplicate => "duplicate From, To, Call-ID or CSeq header",
            ParseError::IsReply => "message is a reply, not a request",
        }
    }
}

/// The headers a stateless reply copies or reads; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    Via,
    From,
    To,
    CallId,
    CSeq,
    RecordRoute,
    Other,
}

impl HeaderKind {
    /// Classifies a header name, long or compact form, in any case.
    pub fn of(name: &[u8]) -> HeaderKind {
        const TABLE: [(&[u8], HeaderKind); 10] = [
            (b"via", HeaderKind::Via),
            (b"v", HeaderKind::Via),
            (b"from", HeaderKind::From),
            (b"f", HeaderKind::From),
            (b"to", HeaderKind::To),
            (b"t", HeaderKind::To),
            (b"call-id", HeaderKind::CallId),
            (b"i", HeaderKind::CallId),
            (b"cseq", HeaderKind::CSeq),
            (b"record-route", HeaderKind::RecordRoute),
        ];
        TABLE
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(HeaderKind::Other, |&(_, k)| k)
    }
}

/// One header line (with its folded continuation lines), as offsets into the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub kind: HeaderKind,
    /// First byte of the name to just after the last line terminator.
    pub raw: Range<usize>,
    /// The value without surrounding white space (folds inside it are kept as they are).
    pub value: Range<usize>,
}

/// A request as a reply sees it: the request line and the facts found in one scan of the head.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    buf: &'a [u8],
    pub method: &'a [u8],
    pub version: &'a [u8],
    /// An HTTP request (`HTTP/x.y`), as modules like xhttp hand to sl with a faked Via.
    pub http: bool,
    head_start: usize,
    /// The header holding the first Via value, and that value's fields.
    pub via1_header: Header,
    pub via1: Via,
    /// The first To header and its tag value (an empty `tag` counts as none).
    pub to: Option<Header>,
    pub to_tag: Option<Range<usize>>,
    /// The first Call-ID value.
    pub call_id: Option<Range<usize>>,
}

impl<'a> Request<'a> {
    /// Reads the request line and scans the head once.
    pub fn parse(buf: &'a [u8]) -> Result<Request<'a>, ParseError> {
        Request::scan(buf, false)
    }

    /// Like [`Request::parse`], but stops at the first header line after the first Via, To
    /// and Call-ID have all been seen: all the ACK filter needs, for every ACK inside the
    /// window. Later lines are not checked (a duplicate there is not seen).
    pub fn parse_ack_facts(buf: &'a [u8]) -> Result<Request<'a>, ParseError> {
        Request::scan(buf, true)
    }

    fn scan(buf: &'a [u8], stop_early: bool) -> Result<Request<'a>, ParseError> {
        let (method, version, head_start) = request_line(buf)?;
        let mut via1 = None;
        let mut to = None;
        let mut call_id = None;
        let (mut from, mut cseq) = (false, false);
        for h in Headers::new(buf, head_start) {
            let h = h?;
            let seen = match h.kind {
                HeaderKind::Via if via1.is_none() => {
                    let v = parse_first_via(buf, h.value.clone()).ok_or(ParseError::BadVia)?;
                    via1 = Some((h, v));
                    false
                }
                HeaderKind::To => to.replace(h).is_some(),
                HeaderKind::CallId => call_id.replace(h.value).is_some(),
                HeaderKind::From => core::mem::replace(&mut from, true),
                HeaderKind::CSeq => core::mem::replace(&mut cseq, true),
                _ => false,
            };
            if seen {
                return Err(ParseError::Duplicate);
            }
            if stop_early && via1.is_some() && to.is_some() && call_id.is_some() {
                break;
            }
        }
        let (via1_header, via1) = via1.ok_or(ParseError::NoVia)?;
        let to_tag = to
            .as_ref()
            .and_then(|h| tag_param(buf, h.value.clone()))
            .filter(|t| !t.is_empty());
        Ok(Request {
            buf,
            method,
            version,
            http: version.len() > 4 && version[..5].eq_ignore_ascii_case(b"HTTP/"),
            head_start,
            via1_header,
            via1,
            to,
            to_tag,
            call_id,
        })
    }

    /// The bytes of a range of the message.
    pub fn slice(&self, r: &Range<usize>) -> &'a [u8] {
        &self.buf[r.clone()]
    }

    /// Walks every header line again, in order.
    pub fn headers(&self) -> Headers<'a> {
        Headers::new(self.buf, self.head_start)
    }

    pub fn is_method(&self, m: &[u8]) -> bool {
        self.method == m
    }

    /// The To-tag value of the request, if it has a non-empty one.
    pub fn to_tag(&self) -> Option<&'a [u8]> {
        self.to_tag.as_ref().map(|r| self.slice(r))
    }

    pub fn call_id(&self) -> Option<&'a [u8]> {
        self.call_id.as_ref().map(|r| self.slice(r))
    }
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

/// Iterator over header lines from an offset to the empty line that closes the head.
pub struct Headers<'a> {
    buf: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Headers<'a> {
    pub fn new(buf: &'a [u8], pos: usize) -> Headers<'a> {
        Headers {
            buf,
            pos,
            done: false,
        }
    }

    fn next_header(&mut self) -> Result<Option<Header>, ParseError> {
        let buf = self.buf;
        let start = self.pos;
        let rest = &buf[start..];
        if rest.starts_with(b"\r\n") || rest.starts_with(b"\n") {
            return Ok(None);
        }
        if rest.is_empty() {
            return Err(ParseError::Truncated);
        }
        // The logical line ends at a LF not followed by SP/HT (folding).
        let mut eol = start;
        loop {
            let lf = memchr(b'\n', &buf[eol..]).ok_or(ParseError::Truncated)? + eol;
            eol = lf + 1;
            match buf.get(eol) {
                Some(b' ') | Some(b'\t') => continue,
                Some(_) => break,
                None => return Err(ParseError::Truncated),
            }
        }
        let colon = memchr(b':', &buf[start..eol]).ok_or(ParseError::BadHeader)? + start;
        let name = trim_end_ws(&buf[start..colon]);
        if !is_token(name) {
            return Err(ParseError::BadHeader);
        }
        let mut vs = colon + 1;
        let mut ve = eol;
        while vs < ve && is_lws(buf[vs]) {
            vs += 1;
        }
        while ve > vs && is_lws(buf[ve - 1]) {
            ve -= 1;
        }
        if vs == ve {
            // An empty value sits right after the colon, not after the line end: a copy of
            // `name: value` must never carry the line's terminator (found by fuzzing).
            (vs, ve) = (colon + 1, colon + 1);
        }
        self.pos = eol;
        Ok(Some(Header {
            kind: HeaderKind::of(name),
            raw: start..eol,
            value: vs..ve,
        }))
    }
}

impl Iterator for Headers<'_> {
    type Item = Result<Header, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.next_header().transpose();
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }
}

/// Position of the first `needle` in `hay`, eight bytes at a time: finding each line's LF is
/// the reader's hot loop. A byte of `x` is zero exactly where `hay` holds `needle`; the lowest
/// flagged byte of `(x - 0x01..) & !x & 0x80..` is the first such zero (borrows only flag
/// bytes above it).
pub(crate) fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * u64::from(needle);
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    let rest = chunks.remainder();
    rest.iter().position(|&b| b == needle).map(|p| base + p)
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim_end_ws(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |p| p + 1);
    &s[..end]
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
