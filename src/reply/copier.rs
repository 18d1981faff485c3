//! The request's header lines a reply copies, one at a time and in order: the duplicate check
//! the host's parser makes, the To-tag, and the first Via's `received`/`rport`.
use super::writer::{fmt_decimal, Writer};
use super::{ReplyParams, SlError, ToTag, ViaLayout};
use crate::sip::{HeaderKind, Headers, Line, ParseError, Request};

/// Writes the request's header lines a reply carries, one at a time, in order.
pub(super) struct Copier<'r, 'b> {
    pub(super) req: &'r Request<'b>,
    pub(super) p: &'r ReplyParams<'r>,
    /// `;rport=` and the source port's digits, when `rport` goes on the first Via.
    pub(super) rport: Option<&'r [u8]>,
    /// Record-Route is copied into replies from 180 to 299.
    pub(super) rr: bool,
    /// The [`HeaderKind::once_bit`]s of the headers copied so far.
    pub(super) seen: u8,
}

impl Copier<'_, '_> {
    #[inline(always)]
    pub(super) fn copy(&mut self, w: &mut Writer, h: Line) -> Result<(), SlError> {
        let req = self.req;
        if !h.within(req.buf().len()) {
            return Err(SlError::Parse(ParseError::BadHeader));
        }
        let bit = req.once_bit(h.kind);
        if self.seen & bit != 0 {
            // A second one the host's parser refuses.
            return Err(SlError::Parse(ParseError::Duplicate(h.kind)));
        }
        self.seen |= bit;
        match h.kind {
            HeaderKind::Via => self.via(w, h)?,
            HeaderKind::To => match self.p.to_tag.filter(|_| req.to_tag.is_none()) {
                Some(tag) => {
                    // Kamailio's To body runs to the line end: the tag goes after any blanks.
                    let raw = h.raw();
                    let at = raw.start + line_end(&req.buf()[raw.clone()]);
                    w.copy(raw.start..at);
                    match tag {
                        ToTag::Ours(param) => w.put(param),
                        ToTag::Given(value) => {
                            w.put(b";tag=");
                            w.put(value);
                        }
                    }
                    w.copy(at..raw.end);
                }
                None => w.copy(h.raw()),
            },
            HeaderKind::RecordRoute if !self.rr => {}
            HeaderKind::RecordRoute | HeaderKind::From | HeaderKind::CallId | HeaderKind::CSeq => {
                w.copy(h.raw())
            }
            HeaderKind::ContentLength
            | HeaderKind::MaxForwards
            | HeaderKind::RetryAfter
            | HeaderKind::Other => {}
        }
        Ok(())
    }

    /// The lines read here (after the host's split; all of them for a request read from its
    /// bytes), called only when there are any. Inlined with the builder, which the module
    /// inlines (measured: kept out of line, the code around it compiled worse, ~160
    /// instructions more on a stock reply, which never calls it, and ~180 on a minimal one).
    #[inline(always)]
    pub(super) fn copy_scanned(&mut self, w: &mut Writer, lines: Headers) -> Result<(), SlError> {
        for h in lines {
            let line = h?.line().ok_or(ParseError::BadHeader)?;
            if self.req.split && line.kind.host_parsed() {
                // A repeat the host refuses anyway is named as one.
                if self.seen & self.req.once_bit(line.kind) != 0 {
                    return Err(SlError::Parse(ParseError::Duplicate(line.kind)));
                }
                return Err(SlError::Parse(ParseError::ForHost));
            }
            self.copy(w, line)?;
        }
        Ok(())
    }

    /// Vias end with CRLF whatever the request used; received/rport go on the first.
    #[inline(always)]
    fn via(&self, w: &mut Writer, h: Line) -> Result<(), SlError> {
        let (req, p) = (self.req, self.p);
        let body = h.start as usize..h.value_end as usize;
        if body.start != req.via1_at && !req.http {
            // Copied with its own CRLF, a Via joins the lines around it in one copy.
            if req.buf().get(body.end..h.end as usize) == Some(b"\r\n") {
                w.copy(h.raw());
            } else {
                w.copy(body);
                w.put(b"\r\n");
            }
            return Ok(());
        }
        w.flush();
        let line_start = w.pos();
        if body.start == req.via1_at {
            let v = &req.via1;
            // Where the added parameters go (`cut`), and where the copy resumes after them:
            // past the old `;rport[=..]` they replace, as Kamailio does.
            let (cut, resume) = match (self.rport, v.rport, p.via_layout) {
                (Some(_), Some(old), _) => ((old.start as usize).checked_sub(1), old.end as usize),
                (_, _, ViaLayout::AfterRportOrBranch) if v.branch.is_some() => {
                    let end = v.branch_end as usize;
                    (Some(end), end)
                }
                _ => (Some(body.end), body.end),
            };
            let Some(cut) = cut.filter(|&c| c >= body.start && c <= resume && resume <= body.end)
            else {
                return Err(SlError::Parse(ParseError::BadVia));
            };
            w.copy(body.start..cut);
            if let Some(rp) = self.rport {
                w.put(rp);
            }
            if p.via_layout == ViaLayout::AtEnd {
                w.copy(resume..body.end);
            }
            if let Some(ip) = p.received {
                w.put(b";received=");
                w.put(ip);
            }
            if p.via_layout == ViaLayout::AfterRportOrBranch {
                if let Some(extra) = p.via_extra {
                    w.put(extra);
                }
                w.copy(resume..body.end);
            }
        } else {
            w.copy(body);
        }
        w.put(b"\r\n");
        if req.http {
            // An HTTP client would read a Via as its own header: native renames it.
            w.set(line_start, b'S');
        }
        Ok(())
    }
}

/// Offset of the final line terminator (CRLF or LF) of a header line.
fn line_end(raw: &[u8]) -> usize {
    let lf = raw.len() - usize::from(raw.ends_with(b"\n"));
    lf - usize::from(raw[..lf].ends_with(b"\r"))
}

/// `;rport=PORT`, written at the end of `buf` (one piece for the builder to copy).
#[inline]
pub(super) fn rport_param(port: u16, buf: &mut [u8; 20]) -> &[u8] {
    const NAME: &[u8] = b";rport=";
    let digits = fmt_decimal(port.into(), buf).len();
    let start = buf.len() - digits - NAME.len();
    buf[start..start + NAME.len()].copy_from_slice(NAME);
    &buf[start..]
}
