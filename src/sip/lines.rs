//! Header lines: where each starts and ends (folded lines included), its name and value, and
//! the rules Kamailio's own parser applies to them (the end of the head, the bytes of a name,
//! Content-Length and the opening of a Via), so a line the core would refuse is refused here.
use super::{is_lws, trim, Header, HeaderKind, ParseError};
use crate::sip::memchr;

/// Iterator over header lines from an offset to the empty line that closes the head.
pub struct Headers<'a> {
    buf: &'a [u8],
    pos: usize,
    done: bool,
    /// The end of the buffer closes the head too. Kamailio's parser takes a UDP datagram that
    /// ends after a header line, without the empty line, as a whole message (and native sl
    /// answers it); over TCP it passes on only messages it saw end.
    to_end: bool,
    /// Lines of [`HeaderKind::Other`] are checked and passed over, not handed out.
    skip_other: bool,
}

/// Finds a line's LF: memchr's AVX2 searcher where the CPU has AVX2, picked once per process
/// and once per read of the lines (memchr's `memchr` picks it again on every call, a cost a
/// line of 64 bytes notices); memchr's own choice elsewhere.
#[derive(Clone, Copy)]
struct FindLf {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<&'static memchr::arch::x86_64::avx2::memchr::One>,
}

impl FindLf {
    #[inline(always)]
    fn get() -> FindLf {
        #[cfg(target_arch = "x86_64")]
        {
            use memchr::arch::x86_64::avx2::memchr::One;
            static AVX2: std::sync::OnceLock<Option<One>> = std::sync::OnceLock::new();
            FindLf {
                avx2: AVX2.get_or_init(|| One::new(b'\n')).as_ref(),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        FindLf {}
    }

    /// The first LF in `haystack`.
    #[inline(always)]
    fn find(self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(one) = self.avx2 {
            return one.find(haystack);
        }
        memchr(b'\n', haystack)
    }
}

impl<'a> Headers<'a> {
    pub fn new(buf: &'a [u8], pos: usize, to_end: bool) -> Headers<'a> {
        Headers {
            buf,
            pos,
            done: false,
            to_end,
            skip_other: false,
        }
    }

    /// The lines a reply copies or counts: those of another kind are checked, not handed out.
    pub fn skip_other(self) -> Headers<'a> {
        Headers {
            skip_other: true,
            ..self
        }
    }

    fn next_header(&mut self) -> Result<Option<Header>, ParseError> {
        let buf = self.buf;
        let lf = FindLf::get();
        loop {
            let start = self.pos;
            let rest = &buf[start..];
            // As Kamailio's get_hdr_field: a line that starts with CR or LF ends the head.
            if rest.starts_with(b"\r") || rest.starts_with(b"\n") {
                return Ok(None);
            }
            if rest.is_empty() {
                return if self.to_end {
                    Ok(None)
                } else {
                    Err(ParseError::Truncated)
                };
            }
            // The logical line ends at a LF not followed by SP/HT (folding).
            let mut eol = start;
            loop {
                eol = lf.find(&buf[eol..]).ok_or(ParseError::Truncated)? + eol + 1;
                match buf.get(eol) {
                    Some(b' ') | Some(b'\t') => continue,
                    Some(_) => break,
                    None if self.to_end => break,
                    None => return Err(ParseError::Truncated),
                }
            }
            // `name *(SP / HT) ":"`, read in one pass; the line's LF (neither a name byte nor a
            // blank) stops both scans inside it.
            let line = &buf[start..eol];
            let mut n = 0;
            while line.get(n).is_some_and(|&b| HNAME[usize::from(b)]) {
                n += 1;
            }
            let mut colon = start + n;
            let name = &buf[start..colon];
            while matches!(buf[colon], b' ' | b'\t') {
                colon += 1;
            }
            if name.is_empty() || buf[colon] != b':' {
                return Err(ParseError::BadHeader);
            }
            let kind = HeaderKind::of(name);
            // No one reads another header's value: left untrimmed and empty (~60 instructions a
            // line, on the lines a reply scans after the host's split).
            let value = match kind {
                HeaderKind::Other if self.skip_other => {
                    self.pos = eol;
                    continue;
                }
                HeaderKind::Other => 0..0,
                _ => trim(buf, colon + 1..eol),
            };
            // An empty value sits right after the colon, not after the line end: a copy of
            // `name: value` must never carry the line's terminator (found by fuzzing).
            let (vs, ve) = if value.is_empty() {
                (colon + 1, colon + 1)
            } else {
                (value.start, value.end)
            };
            match kind {
                HeaderKind::ContentLength if !content_length(&buf[colon + 1..eol]) => {
                    return Err(ParseError::BadHeader)
                }
                // Kamailio's Via parser refuses any value that does not open with `SIP /`.
                HeaderKind::Via if !sent_protocol(&buf[vs..ve]) => return Err(ParseError::BadVia),
                _ => {}
            }
            self.pos = eol;
            return Ok(Some(Header {
                kind,
                raw: start..eol,
                value: vs..ve,
            }));
        }
    }
}

impl Iterator for Headers<'_> {
    type Item = Result<Header, ParseError>;

    // Inline, with the test of the head's end: a scan after a host's split that reached the
    // end of the head (the common case) then costs no call.
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.at_end() {
            self.done = true;
            return None;
        }
        self.next_line()
    }
}

impl Headers<'_> {
    /// Whether the head is known to end here: the test [`Iterator::next`] makes inline, before
    /// it reads a line.
    #[inline]
    pub fn at_end(&self) -> bool {
        self.done || matches!(self.buf.get(self.pos), Some(b'\r' | b'\n'))
    }

    fn next_line(&mut self) -> Option<Result<Header, ParseError>> {
        let r = self.next_header().transpose();
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }
}

/// A Content-Length value as Kamailio's `parse_content_length` takes it (`v`: the bytes after
/// the colon to the end of the line): blanks (a fold too), digits (refused from 214748364x on),
/// then nothing but blanks up to the line end, on continuation lines too.
fn content_length(v: &[u8]) -> bool {
    // The usual form first: a space, digits (nine at most: under the limit), CRLF, the end.
    if let [b' ', rest @ ..] = v {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if (1..=9).contains(&digits) && rest[digits..] == *b"\r\n" {
            return true;
        }
    }
    let blank = |i: usize| matches!(v.get(i), Some(b' ' | b'\t'));
    let mut p = 0;
    while blank(p) || (v.get(p) == Some(&b'\n') && blank(p + 1)) {
        p += 1;
    }
    let (mut n, start) = (0u32, p);
    while let Some(d @ b'0'..=b'9') = v.get(p) {
        if n >= i32::MAX as u32 / 10 {
            return false;
        }
        n = n * 10 + u32::from(d - b'0');
        p += 1;
    }
    if p == start || p == v.len() {
        return false;
    }
    loop {
        while blank(p) {
            p += 1;
        }
        match (v.get(p), v.get(p + 1)) {
            (Some(b'\n'), _) => p += 1,
            (Some(b'\r'), Some(b'\n')) => p += 2,
            _ => return false,
        }
        // A continuation line (blanks only: the loop's first step skips them), or the end.
        match v.get(p) {
            Some(b' ' | b'\t') => {}
            _ => return true,
        }
    }
}

/// A Via value opens with the protocol name `SIP` (any case), blanks, and `/`.
fn sent_protocol(v: &[u8]) -> bool {
    v.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(b"SIP"))
        && v[3..].iter().find(|&&b| !is_lws(b)) == Some(&b'/')
}

/// The bytes Kamailio allows in a header name (its parse_hname2.c list: letters, digits and
/// `-._+~`), narrower than RFC 3261's `token`.
const HNAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'+' | b'~');
        b += 1;
    }
    t
};
