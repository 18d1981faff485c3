//! A request as the host's own parser already split it. Before the routing script runs,
//! Kamailio has read the request line, the first Via and the header lines up to CSeq (often all
//! of them); reading those facts instead of the bytes again is what keeps a reply cheap. Only
//! the header lines after the host's split are scanned here.
use core::ops::Range;

use super::{tag_param, HeaderKind, Headers, Line, ParseError, Request, Via};

/// What the host's parser knows of a request, as offsets into the message.
#[derive(Debug, Clone)]
pub struct Split {
    pub method: Range<usize>,
    pub version: Range<usize>,
    /// Where the header line holding the first Via value starts, and that value's fields.
    pub via1_at: usize,
    pub via1: Via,
    /// When the host's split reached a To header: the first one's tag value, if any.
    pub to: Option<Option<Range<usize>>>,
    /// The first Call-ID value, when the host's split reached it.
    pub call_id: Option<Range<usize>>,
    /// Where the host's split ends: the header lines from here on are scanned here.
    pub rest: usize,
}

impl Split {
    /// Every range lies inside a message of `len` bytes (host offsets are checked, not trusted).
    fn inside(&self, len: usize) -> bool {
        let ok = |r: &Range<usize>| r.start <= r.end && r.end <= len;
        let opt = |r: &Option<Range<usize>>| r.as_ref().is_none_or(ok);
        let v = &self.via1;
        ok(&self.method)
            && ok(&self.version)
            && ok(&v.host)
            && ok(&v.port)
            && opt(&v.branch)
            && opt(&v.rport)
            && opt(&self.call_id)
            && self.to.as_ref().is_none_or(opt)
            && self.via1_at <= len
            && self.rest <= len
    }
}

impl<'a> Request<'a> {
    /// A request from the host's split of `buf`. To and Call-ID the split did not reach are
    /// looked for in the rest; the rest's lines are checked when a reply walks them
    /// ([`Request::lines`]).
    #[inline]
    pub fn from_split(buf: &'a [u8], s: Split) -> Result<Request<'a>, ParseError> {
        if !s.inside(buf.len()) {
            return Err(ParseError::BadHeader);
        }
        let (mut to, mut call_id) = (s.to, s.call_id);
        if to.is_none() || call_id.is_none() {
            for h in Headers::new(buf, s.rest) {
                let h = h?;
                match h.kind {
                    HeaderKind::To if to.is_none() => to = Some(tag_param(buf, h.value.clone())),
                    HeaderKind::CallId if call_id.is_none() => call_id = Some(h.value),
                    _ => {}
                }
                if to.is_some() && call_id.is_some() {
                    break;
                }
            }
        }
        let version = &buf[s.version];
        let has_to = to.is_some();
        let to_tag = to.flatten().filter(|t| !t.is_empty());
        Ok(Request {
            buf,
            method: &buf[s.method],
            version,
            http: is_http(version),
            scan_from: s.rest,
            via1_at: s.via1_at,
            via1: s.via1,
            has_to,
            to_tag,
            call_id,
        })
    }

    /// Every header line in order: `split` (the host's, already read; an `Err` is a line it
    /// could not hand over), then the rest scanned here. A line outside the message, or a second
    /// From, To, Call-ID or CSeq, is refused, as [`Request::parse`] refuses it.
    pub fn lines<I>(&self, split: Option<I>) -> Lines<'a, I>
    where
        I: Iterator<Item = Result<Line, ParseError>>,
    {
        Lines {
            len: self.buf.len(),
            split,
            rest: self.headers(),
            seen: 0,
        }
    }
}

/// No split: [`Request::lines`] of a request read from its bytes.
pub type NoSplit = core::iter::Empty<Result<Line, ParseError>>;

impl<'a> Request<'a> {
    /// Every header line of a request read from its bytes, as a reply copies them.
    pub fn all_lines(&self) -> Lines<'a, NoSplit> {
        self.lines(None)
    }
}

pub(super) fn is_http(version: &[u8]) -> bool {
    version.len() > 4 && version[..5].eq_ignore_ascii_case(b"HTTP/")
}

/// The iterator of [`Request::lines`].
pub struct Lines<'a, I> {
    len: usize,
    split: Option<I>,
    rest: Headers<'a>,
    /// The single-instance headers seen so far, one bit each.
    seen: u8,
}

impl<I: Iterator<Item = Result<Line, ParseError>>> Iterator for Lines<'_, I> {
    type Item = Result<Line, ParseError>;

    // Inlined into the reply builder's loop: a call per line cost more than its body.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let from_split = self.split.as_mut().and_then(Iterator::next);
        let h = match from_split {
            Some(Ok(h)) if h.within(self.len) => h,
            Some(Ok(_)) => return Some(Err(ParseError::BadHeader)),
            Some(Err(e)) => return Some(Err(e)),
            None => {
                self.split = None;
                match self.rest.next()? {
                    Ok(h) => match h.line() {
                        Some(l) => l,
                        None => return Some(Err(ParseError::BadHeader)),
                    },
                    Err(e) => return Some(Err(e)),
                }
            }
        };
        let bit = match h.kind {
            HeaderKind::From => 1,
            HeaderKind::To => 2,
            HeaderKind::CallId => 4,
            HeaderKind::CSeq => 8,
            _ => 0,
        };
        if self.seen & bit != 0 {
            return Some(Err(ParseError::Duplicate));
        }
        self.seen |= bit;
        Some(Ok(h))
    }
}
