//! The first value of the first Via header: where a reply goes and what it echoes.
use core::ops::Range;

use super::{is_lws, is_token_char, Span};

/// The fields of one via-parm a reply uses, as offsets into the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// The sent-by host, IPv6 references with their brackets.
    pub host: Span,
    /// The sent-by port digits (empty when the Via has no port).
    pub port: Span,
    pub branch: Option<Span>,
    /// Where the host's parser ends the `branch` parameter (its `start + size`: after the
    /// value, before a closing quote); read only when there is a branch.
    pub branch_end: u32,
    /// The `rport` or `rport=N` parameter, without its leading `;`.
    pub rport: Option<Span>,
}

/// Reads the first via-parm of a Via value in `buf[value]`; `None` when it is malformed (or
/// ends past `u32::MAX`).
pub fn parse_first_via(buf: &[u8], value: Range<usize>) -> Option<Via> {
    u32::try_from(value.end).ok()?;
    let mut c = Cursor {
        buf: &buf[..value.end],
        pos: value.start,
    };
    c.ws();
    let proto = c.token()?;
    if !buf[proto].eq_ignore_ascii_case(b"SIP") {
        return None;
    }
    c.ws();
    c.expect(b'/')?;
    c.ws();
    c.version()?;
    c.ws();
    c.expect(b'/')?;
    c.ws();
    c.token()?;
    if !c.ws() {
        return None;
    }
    let host = c.host()?;
    c.ws();
    let mut port = c.pos..c.pos;
    if c.peek() == Some(b':') {
        c.pos += 1;
        c.ws();
        let s = c.pos;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.pos += 1;
        }
        if c.pos == s || c.pos - s > 5 {
            return None;
        }
        port = s..c.pos;
    }
    let mut via = Via {
        host: Span::of(host),
        port: Span::of(port),
        branch: None,
        branch_end: 0,
        rport: None,
    };
    loop {
        c.ws();
        match c.peek() {
            None | Some(b',') => return Some(via),
            Some(b';') => c.pos += 1,
            Some(_) => return None,
        }
        c.ws();
        let name = c.token()?;
        let name_bytes = &buf[name.clone()];
        let mut end = name.end;
        let mut value = None;
        let save = c.pos;
        c.ws();
        if c.peek() == Some(b'=') {
            c.pos += 1;
            c.ws();
            let v = c.param_value()?;
            end = v.end;
            value = Some(v);
        } else {
            c.pos = save;
        }
        if name_bytes.eq_ignore_ascii_case(b"branch") {
            via.branch = Some(Span::of(value.clone().unwrap_or(end..end)));
            // Kamailio's parameter size stops at a closing quote.
            via.branch_end = match value {
                Some(v) if buf[v.start] == b'"' => v.end - 1,
                _ => end,
            } as u32;
        } else if name_bytes.eq_ignore_ascii_case(b"rport") {
            via.rport = Some(Span::of(name.start..end));
        }
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Skips white space (folded line ends too); says whether there was any.
    fn ws(&mut self) -> bool {
        let s = self.pos;
        while self.peek().is_some_and(is_lws) {
            self.pos += 1;
        }
        self.pos > s
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.pos += 1)
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> Range<usize> {
        let s = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        s..self.pos
    }

    fn token(&mut self) -> Option<Range<usize>> {
        let r = self.take_while(is_token_char);
        (!r.is_empty()).then_some(r)
    }

    fn version(&mut self) -> Option<Range<usize>> {
        let r = self.take_while(|b| b.is_ascii_digit() || b == b'.');
        (!r.is_empty()).then_some(r)
    }

    fn host(&mut self) -> Option<Range<usize>> {
        if self.peek() == Some(b'[') {
            let s = self.pos;
            let inner = self.take_while(|b| {
                b != b']' && (b.is_ascii_hexdigit() || b == b':' || b == b'.' || b == b'[')
            });
            if inner.len() < 3 || self.peek() != Some(b']') {
                return None;
            }
            self.pos += 1;
            return Some(s..self.pos);
        }
        let r =
            self.take_while(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
        (!r.is_empty()).then_some(r)
    }

    /// `token`, `host` (IPv6 reference) or `quoted-string`.
    fn param_value(&mut self) -> Option<Range<usize>> {
        match self.peek() {
            Some(b'"') => {
                let s = self.pos;
                self.pos += 1;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.pos += 1;
                            return Some(s..self.pos);
                        }
                        b'\\' => self.pos += 2,
                        _ => self.pos += 1,
                    }
                }
            }
            Some(b'[') => self.host(),
            _ => {
                let r = self.take_while(|b| is_token_char(b) || b == b':');
                (!r.is_empty()).then_some(r)
            }
        }
    }
}
