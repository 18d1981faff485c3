//! In-dialog ACKs (`absorb_dialog_acks`): a final reply to an INVITE that already has a To-tag
//! keeps that tag, so its ACK carries no signature of ours. Such a reply is remembered, for the
//! ACK window, by what identifies its ACK (RFC 3261 17.1.1.3 and 13.2.2.4): Call-ID, From-tag,
//! To-tag and CSeq number, and for a 300-699 reply the top Via branch (a 2xx's ACK is a new
//! transaction, with a new branch).
//!
//! The table lives in memory every worker shares, of a size fixed at start-up, without a lock:
//! each slot is a seqlock of atomics (a writer claims it by making its sequence odd, a reader
//! takes what it read only when the sequence was even and unchanged around the read). Slots
//! come in buckets of [`WAYS`] by a hash of the key; a writer takes a free or the oldest slot
//! of its bucket, and gives up when all are being written. So an entry may be lost (its ACK
//! then reaches the script, as without the parameter), and an ACK is absorbed only when every
//! byte of its key equals a remembered one.
#![forbid(unsafe_code)]

use core::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

use super::ack::window_open;
use crate::sip::{tag_param, HeaderKind, ParserMode, Request, Span};

/// Slots per bucket.
pub const WAYS: usize = 4;
/// The bytes a slot holds: the key (each part after its length byte) and then the branch.
pub const SLOT_BYTES: usize = 256;
const WORDS: usize = SLOT_BYTES / 8;
/// The bit of a slot's `lens` that says its branch is compared.
const WITH_BRANCH: u32 = 1 << 31;

/// What identifies the ACK to a reply. Parts longer than 255 bytes, or keys longer than a slot,
/// are not remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialogKey<'a> {
    pub call_id: &'a [u8],
    pub from_tag: &'a [u8],
    pub to_tag: &'a [u8],
    /// The CSeq number's digits, as written.
    pub cseq: &'a [u8],
    /// The top Via's branch (empty when it has none).
    pub branch: &'a [u8],
}

impl<'a> DialogKey<'a> {
    /// The key of a request (an INVITE being answered, or an ACK) that has a Call-ID, a From-
    /// tag, a To-tag and a CSeq number; `None` otherwise. Reads the whole head.
    pub fn read(buf: &'a [u8], mode: ParserMode) -> Option<DialogKey<'a>> {
        let req = Request::parse_in(buf, mode).ok()?;
        let (mut from, mut cseq) = (None, None);
        for h in req.headers().skip_other() {
            let h = h.ok()?;
            match h.kind {
                HeaderKind::From if from.is_none() => from = Some(h.value),
                HeaderKind::CSeq if cseq.is_none() => cseq = Some(h.value),
                _ => {}
            }
        }
        let from_tag = tag_param(buf, from?).filter(|t| !t.is_empty())?;
        let cseq = &buf[cseq?];
        let digits = cseq.iter().take_while(|b| b.is_ascii_digit()).count();
        let branch = req.via1.branch.map_or(&b""[..], |s: Span| req.slice(s));
        Some(DialogKey {
            call_id: req.call_id().filter(|c| !c.is_empty())?,
            from_tag: &buf[from_tag],
            to_tag: req.to_tag()?,
            cseq: (digits > 0).then(|| &cseq[..digits])?,
            branch,
        })
    }

    fn parts(&self) -> [&'a [u8]; 4] {
        [self.call_id, self.from_tag, self.to_tag, self.cseq]
    }
}

/// A key and branch laid out as a slot holds them.
struct Packed {
    words: [u64; WORDS],
    /// Bytes of the key (the length-prefixed parts), then of the branch.
    key_len: u32,
    branch_len: u32,
    /// The branch is compared (a 300-699 reply's; it may be empty, and must be then too).
    with_branch: bool,
    hash: u64,
}

impl Packed {
    /// `with_branch`: a 300-699 reply's key (its ACK repeats the branch).
    fn of(k: &DialogKey, with_branch: bool) -> Option<Packed> {
        let mut bytes = [0u8; SLOT_BYTES];
        let mut n = 0;
        for part in k.parts() {
            let end = n + 1 + part.len();
            let (len, text) = bytes.get_mut(n..end)?.split_first_mut()?;
            *len = u8::try_from(part.len()).ok()?;
            text.copy_from_slice(part);
            n = end;
        }
        let key_len = n;
        let branch = if with_branch { k.branch } else { b"" };
        bytes.get_mut(n..n + branch.len())?.copy_from_slice(branch);
        n += branch.len();
        let mut words = [0u64; WORDS];
        let used = n.div_ceil(8);
        for (w, c) in words[..used].iter_mut().zip(bytes.chunks_exact(8)) {
            *w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        }
        let hash = bucket_hash(&words, key_len);
        Some(Packed {
            words,
            key_len: key_len as u32,
            branch_len: (n - key_len) as u32,
            with_branch,
            hash,
        })
    }
}

/// Which bucket a key goes to, over the key's words (the last one masked: the branch may
/// follow). Only where an entry lies depends on it: a match compares every byte.
fn bucket_hash(words: &[u64; WORDS], key_len: usize) -> u64 {
    let h = key_words(words, key_len).fold(0, |h, w| {
        let h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ h >> 32
    });
    // splitmix64's finaliser: every bit of the key moves the low bits the bucket takes.
    let h = (h ^ h >> 30).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let h = (h ^ h >> 27).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ h >> 31
}

/// The words of `words` that hold its first `key_len` bytes, the last masked to them.
fn key_words(words: &[u64; WORDS], key_len: usize) -> impl Iterator<Item = u64> + '_ {
    let rest = key_len % 8;
    let last = key_len / 8;
    words[..key_len.div_ceil(8)]
        .iter()
        .enumerate()
        .map(move |(i, &w)| {
            if i == last && rest != 0 {
                w & (u64::MAX >> (64 - 8 * rest))
            } else {
                w
            }
        })
}

/// One remembered reply, in shared memory (`repr(C)`: the host allocates the table).
#[repr(C)]
#[derive(Debug, Default)]
pub struct Slot {
    /// Even: stable; odd: being written.
    seq: AtomicU32,
    /// Until this tick its ACK is absorbed.
    deadline: AtomicU32,
    /// `key_len | branch_len << 16`, and bit 31 when the branch is compared.
    lens: AtomicU32,
    words: [AtomicU64; WORDS],
}

/// The table: a whole number of buckets of [`WAYS`] slots.
#[derive(Clone, Copy)]
pub struct DialogAcks<'t> {
    slots: &'t [Slot],
}

impl core::fmt::Debug for DialogAcks<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DialogAcks({} slots)", self.slots.len())
    }
}

impl<'t> DialogAcks<'t> {
    /// Over `slots` (as many as fit in whole buckets are used); `None` for fewer than a bucket.
    pub fn new(slots: &'t [Slot]) -> Option<DialogAcks<'t>> {
        let n = slots.len() / WAYS * WAYS;
        (n > 0).then(|| DialogAcks { slots: &slots[..n] })
    }

    fn bucket(&self, hash: u64) -> &'t [Slot] {
        let buckets = (self.slots.len() / WAYS) as u64;
        let at = (hash % buckets) as usize * WAYS;
        &self.slots[at..at + WAYS]
    }

    /// Remembers a final reply (`code` 200-699) to the INVITE of key `k` until `deadline`;
    /// false when it cannot (a key too long, or every slot of its bucket being written).
    pub fn remember(&self, k: &DialogKey, code: u16, now: u32, deadline: u32) -> bool {
        let Some(p) = Packed::of(k, code >= 300) else {
            return false;
        };
        let bucket = self.bucket(p.hash);
        // Free slots (their window closed) first, then the oldest.
        let mut order: [usize; WAYS] = core::array::from_fn(|i| i);
        let age = |i: &usize| {
            let d = bucket[*i].deadline.load(Ordering::Relaxed);
            (window_open(now, d), d.wrapping_sub(now) as i32)
        };
        order.sort_by_key(age);
        for i in order {
            let slot = &bucket[i];
            let seq = slot.seq.load(Ordering::Relaxed);
            if seq & 1 == 1
                || slot
                    .seq
                    .compare_exchange(
                        seq,
                        seq.wrapping_add(1),
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    )
                    .is_err()
            {
                continue;
            }
            fence(Ordering::Release);
            let with_branch = if p.with_branch { WITH_BRANCH } else { 0 };
            slot.lens.store(
                p.key_len | p.branch_len << 16 | with_branch,
                Ordering::Relaxed,
            );
            for (w, v) in slot.words.iter().zip(p.words) {
                w.store(v, Ordering::Relaxed);
            }
            slot.deadline.store(deadline, Ordering::Relaxed);
            slot.seq.store(seq.wrapping_add(2), Ordering::Release);
            return true;
        }
        false
    }

    /// Whether an ACK of key `k` answers a reply remembered and inside its window at `now`.
    pub fn matches(&self, k: &DialogKey, now: u32) -> bool {
        // Laid out as a 300-699 reply's entry, so such an entry compares in whole words; a
        // 2xx's entry compares the key alone. (A branch too long for an entry was in none.)
        let Some(ack) = Packed::of(k, true).or_else(|| Packed::of(k, false)) else {
            return false;
        };
        self.bucket(ack.hash).iter().any(|slot| {
            let seq = slot.seq.load(Ordering::Acquire);
            if seq & 1 == 1 || !window_open(now, slot.deadline.load(Ordering::Relaxed)) {
                return false;
            }
            let lens = slot.lens.load(Ordering::Relaxed);
            if lens & 0xffff != ack.key_len {
                return false;
            }
            let with_branch = lens & WITH_BRANCH != 0;
            let branch_len = lens >> 16 & 0x7fff;
            if with_branch && branch_len != ack.branch_len {
                return false;
            }
            // Only the words the entry takes are read.
            let key_len = ack.key_len as usize;
            let len = key_len + branch_len as usize;
            let mut words = [0u64; WORDS];
            for (w, a) in words[..len.div_ceil(8).min(WORDS)]
                .iter_mut()
                .zip(&slot.words)
            {
                *w = a.load(Ordering::Relaxed);
            }
            fence(Ordering::Acquire);
            if slot.seq.load(Ordering::Relaxed) != seq {
                return false;
            }
            // A 300-699 reply's ACK repeats its branch: key and branch, whole words (both
            // zero after them); a 2xx's has a new one: the key alone.
            if with_branch {
                words[..len.div_ceil(8)] == ack.words[..len.div_ceil(8)]
            } else {
                key_words(&words, key_len).eq(key_words(&ack.words, key_len))
            }
        })
    }
}

#[cfg(test)]
mod tests;
