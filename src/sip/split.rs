//! A request as the host's own parser already split it. Before the routing script runs,
//! Kamailio has read the request line, the first Via and the header lines up to CSeq (often all
//! of them); reading those facts instead of the bytes again is what keeps a reply cheap. Only
//! the header lines after the host's split are scanned here ([`Request::headers`]).
use super::{tag_param, HeaderKind, Headers, ParseError, ParserMode, Request, Span, Via};

/// What the host's parser knows of a request, as offsets into the message.
#[derive(Debug, Clone)]
pub struct Split {
    pub method: Span,
    pub version: Span,
    /// Where the header line holding the first Via value starts, and that value's fields.
    pub via1_at: usize,
    pub via1: Via,
    /// When the host's split reached a To header: the first one's tag value, if any.
    pub to: Option<Option<Span>>,
    /// The first Call-ID value, when the host's split reached it.
    pub call_id: Option<Span>,
    /// Where the host's split ends: the header lines from here on are scanned here.
    pub rest: usize,
    /// The host's split holds a Content-Length, a Max-Forwards line (each allowed once).
    pub content_length: bool,
    pub max_forwards: bool,
}

impl Split {
    /// Every range lies inside a message of `len` bytes (host offsets are checked, not trusted).
    fn inside(&self, len: usize) -> bool {
        let ok = |s: Span| s.start <= s.end && s.end as usize <= len;
        let opt = |s: Option<Span>| s.is_none_or(ok);
        let v = &self.via1;
        ok(self.method)
            && ok(self.version)
            && ok(v.host)
            && ok(v.port)
            && opt(v.branch)
            && opt(v.rport)
            && opt(self.call_id)
            && self.to.is_none_or(opt)
            && self.via1_at <= len
            && self.rest <= len
    }
}

impl<'a> Request<'a> {
    /// A request from the host's split of `buf`, read in the host's parser mode. To and Call-ID
    /// the split did not reach are looked for in the rest; the rest's lines are checked when a
    /// reply walks them.
    // Always inlined: the request is then built in the caller's frame instead of moved out
    // through a `Result` (measured: ~40 instructions a reply).
    #[inline(always)]
    pub fn from_split(
        buf: &'a [u8],
        s: Split,
        mode: ParserMode,
    ) -> Result<Request<'a>, ParseError> {
        // Offsets are `u32`: a longer buffer is refused as `Request::parse` refuses it.
        u32::try_from(buf.len()).map_err(|_| ParseError::BadHeader)?;
        if !s.inside(buf.len()) {
            return Err(ParseError::BadHeader);
        }
        let (mut to, mut call_id) = (s.to, s.call_id);
        if to.is_none() || call_id.is_none() {
            for h in Headers::new(buf, s.rest, true).skip_other() {
                let h = h?;
                match h.kind {
                    HeaderKind::To if to.is_none() => {
                        to = Some(tag_param(buf, h.value.clone()).map(Span::of))
                    }
                    HeaderKind::CallId if call_id.is_none() => call_id = Some(Span::of(h.value)),
                    _ => {}
                }
                if to.is_some() && call_id.is_some() {
                    break;
                }
            }
        }
        let version = &buf[s.version.range()];
        let http = is_http(version);
        let refused_twice = mode.refused_twice(http);
        let held = |held: bool, kind: HeaderKind| if held { kind.once_bit() } else { 0 };
        let has_to = to.is_some();
        let to_tag = to.flatten().filter(|t| !t.is_empty());
        Ok(Request {
            buf,
            method: &buf[s.method.range()],
            version,
            http,
            scan_from: s.rest,
            split: true,
            refused_twice,
            // Disjoint bits, so `|` and `^` agree (that mutant is excluded in .cargo/mutants.toml).
            split_once: held(s.content_length, HeaderKind::ContentLength)
                | held(s.max_forwards, HeaderKind::MaxForwards),
            via1_at: s.via1_at,
            via1: s.via1,
            has_to,
            to_tag,
            call_id,
        })
    }
}

pub(super) fn is_http(version: &[u8]) -> bool {
    // The first byte alone settles a SIP version, inline.
    matches!(version.first(), Some(b'h' | b'H'))
        && version
            .get(..5)
            .is_some_and(|v| v.eq_ignore_ascii_case(b"HTTP/"))
}
