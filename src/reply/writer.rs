//! The reply being written into the caller's buffer, piece by piece.

use super::SlError;
use crate::sip::ParseError;

/// The reply being written. Spans of the request are copied lazily: a span that starts where
/// the pending one ends extends it, so adjacent header lines (From, To, Call-ID, CSeq...) cost
/// one copy. Writing never fails on the spot: a reply that outgrows `out` keeps counting its
/// length, a span outside the request is remembered, and [`Writer::finish`] reports either
/// (no error value travels through every write).
pub(super) struct Writer<'o, 's> {
    out: &'o mut [u8],
    len: usize,
    src: &'s [u8],
    pending: core::ops::Range<usize>,
    /// A span outside `src` was asked for.
    bad_span: bool,
}

impl<'o, 's> Writer<'o, 's> {
    pub(super) fn new(out: &'o mut [u8], src: &'s [u8]) -> Self {
        Writer {
            out,
            len: 0,
            src,
            pending: 0..0,
            bad_span: false,
        }
    }

    /// Queues `src[r]` for copying. (Joining is only fewer copies, never other bytes: the
    /// mutants that keep two touching copies apart are excluded in .cargo/mutants.toml.)
    #[inline(always)]
    pub(super) fn copy(&mut self, r: core::ops::Range<usize>) {
        if r.start == self.pending.end && !self.pending.is_empty() {
            self.pending.end = r.end;
            return;
        }
        self.flush();
        self.pending = r;
    }

    #[inline(always)]
    pub(super) fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let r = core::mem::replace(&mut self.pending, 0..0);
        match self.src.get(r) {
            Some(src) => self.write(src),
            None => self.bad_span = true,
        }
    }

    #[inline(always)]
    pub(super) fn put(&mut self, s: &[u8]) {
        self.flush();
        self.write(s);
    }

    /// Past the end of `out`, only the length grows (`get_mut` refuses every later write). The
    /// sum cannot overflow: it is at most the request's length twice over plus the pieces
    /// the parameters add.
    #[inline(always)]
    fn write(&mut self, s: &[u8]) {
        let end = self.len + s.len();
        if let Some(d) = self.out.get_mut(self.len..end) {
            d.copy_from_slice(s);
        }
        self.len = end;
    }

    /// Where the next piece goes (past the end of the buffer once the reply outgrew it).
    pub(super) fn pos(&self) -> usize {
        self.len
    }

    /// Overwrites one byte written or queued.
    pub(super) fn set(&mut self, at: usize, b: u8) {
        self.flush();
        if let Some(d) = self.out.get_mut(at) {
            *d = b;
        }
    }

    /// The reply's length, or why it cannot be sent.
    pub(super) fn finish(mut self) -> Result<usize, SlError> {
        self.flush();
        if self.bad_span {
            return Err(SlError::Parse(ParseError::BadHeader));
        }
        if self.len > self.out.len() {
            return Err(SlError::TooBig);
        }
        Ok(self.len)
    }
}

/// Decimal digits of `v`, written at the end of `buf`, two at a time.
pub(super) fn fmt_decimal(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    const PAIRS: [u8; 200] = {
        let mut t = [0u8; 200];
        let mut n = 0;
        while n < 100 {
            t[2 * n] = b'0' + (n / 10) as u8;
            t[2 * n + 1] = b'0' + (n % 10) as u8;
            n += 1;
        }
        t
    };
    let mut i = buf.len();
    while v >= 100 {
        let d = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[d..d + 2]);
    }
    if v >= 10 {
        let d = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[d..d + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    &buf[i..]
}
