//! The properties the fuzz targets (`fuzz/`) check on arbitrary input, kept here so that the
//! stable test `tests/fuzz_corpus.rs` replays the committed corpus and every past crash
//! through exactly the same code. Each function panics when a property breaks.
#![forbid(unsafe_code)]

use crate::reply::ack::{decide, window_open, AckDecision};
use crate::reply::dialog::{DialogAcks, DialogKey, Slot, WAYS};
use crate::reply::totag::{Signature, SL_SEED};
use crate::reply::{
    build_reply, needs_to_tag, reply_bound, Lump, Reason, ReplyParams, SlError, ToTag, ViaLayout,
};
use crate::sip::{tag_param, Header, HeaderKind, ParseError, ParserMode, Request, Span, Split};

/// The reader: never panics, and every range it hands out lies inside the message.
pub fn parse(data: &[u8]) {
    let Ok(req) = Request::parse(data) else {
        return;
    };
    let inside = |r: core::ops::Range<usize>| r.start <= r.end && r.end <= data.len();
    assert!(req.via1_at < data.len());
    assert!(inside(req.via1.host.range()) && inside(req.via1.port.range()));
    for s in [req.to_tag, req.call_id, req.via1.branch, req.via1.rport]
        .into_iter()
        .flatten()
    {
        assert!(inside(s.range()));
    }
    for h in req.headers() {
        let h = h.expect("a parsed request's headers read again");
        assert!(inside(h.raw.clone()) && inside(h.value.clone()));
        assert!(h.raw.start <= h.value.start && h.value.end <= h.raw.end);
    }
}

/// The builder: on any request, a reply is one message within [`reply_bound`] whose head ends
/// where it ends, with the status line asked for, the To-tag where Kamailio puts one, and
/// nothing after the head; in the lenient parser mode, the same reply as in the strict one
/// wherever that one answers.
/// The first two bytes choose the code and the host facts; the rest is the request.
pub fn reply(data: &[u8]) {
    let [c, flags, msg @ ..] = data else {
        return;
    };
    let mode = if c & 4 != 0 {
        ParserMode::Lenient
    } else {
        ParserMode::Strict
    };
    let Ok(req) = Request::parse_in(msg, mode) else {
        return assert!(
            Request::parse(msg).is_err(),
            "refused only in the lenient mode"
        );
    };
    let code = 100 + (u32::from(*c) * 599 / 255) as u16;
    let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
    let tag = sig.to_tag(&req);
    let param = sig.tag_param(&req);
    let p = ReplyParams {
        code,
        reason: Reason::new(b"Fuzz Reason").expect("a good reason"),
        to_tag: Some(ToTag::Ours(&param)),
        received: (flags & 1 != 0).then_some(&b"192.0.2.7"[..]),
        rport: (flags & 2 != 0).then_some(5099),
        server_header: (flags & 4 != 0).then_some(&b"Server: fuzz"[..]),
        warning: None,
        // The code byte's low bits pick the host's Via layout and extra Via parameters.
        via_layout: if c & 1 != 0 {
            ViaLayout::AfterRportOrBranch
        } else {
            ViaLayout::AtEnd
        },
        via_extra: (c & 2 != 0).then_some(&b";x-fuzz=1"[..]),
    };
    let lump = [Lump::Header(b"X-Lump: 1\r\n")];
    let lumps = || lump.iter().copied().take(usize::from(flags & 8 != 0));
    // Sized by the bound, which must hold: a reply never outgrows it.
    let mut out = vec![0u8; reply_bound(msg, req.to_may_repeat(), &p, lumps())];
    let n = match build_reply(&req, [], &p, lumps(), &mut out) {
        Ok(n) => n,
        Err(SlError::Ack) => return assert!(req.is_method(b"ACK")),
        Err(e) => panic!("a parsed request was refused: {e:?}"),
    };
    let r = &out[..n];
    let status = [req.version, format!(" {code} Fuzz Reason\r\n").as_bytes()].concat();
    assert!(r.starts_with(&status), "status line");
    assert!(
        r.ends_with(b"Content-Length: 0\r\n\r\n"),
        "ends with its head"
    );
    // The first empty line is the last line: no second message, no body.
    let end = r
        .windows(2)
        .position(|w| w == b"\n\n")
        .or_else(|| r.windows(3).position(|w| w == b"\n\r\n"))
        .expect("an empty line");
    assert!(end + 3 >= n, "a blank line inside the head");
    if needs_to_tag(&req, code) {
        let t = [b";tag=", &tag[..]].concat();
        assert!(r.windows(t.len()).any(|w| w == t), "our To-tag");
    }
    // Built from a host's split (after as many lines as the high bits say), the same reply; or
    // none yet, where a line after the split is the host's to judge.
    let (split, lines) = split_at(msg, usize::from(flags >> 4), mode).expect("a split");
    let sreq = Request::from_split(msg, split, mode).expect("a split of a parsed request");
    let mut again = vec![0u8; out.len()];
    let copied: Vec<_> = lines
        .iter()
        .filter(|h| h.kind.copied())
        .filter_map(Header::line)
        .collect();
    let for_host = sreq
        .headers()
        .any(|h| h.is_ok_and(|h| h.kind.host_parsed()));
    let m = build_reply(&sreq, copied, &p, lumps(), &mut again);
    if for_host {
        assert_eq!(
            m,
            Err(SlError::Parse(ParseError::ForHost)),
            "left to the host"
        );
    } else {
        assert_eq!(
            m.map(|m| &again[..m]),
            Ok(r),
            "split and parsed requests differ"
        );
    }
    if mode == ParserMode::Lenient {
        if let Ok(strict) = Request::parse(msg) {
            let s = build_reply(&strict, [], &p, lumps(), &mut again);
            assert_eq!(s.map(|s| &again[..s]), Ok(r), "the modes differ");
        }
    }
}

/// The ACK decision: never panics; absorbs only an ACK inside the window whose To-tag is the
/// one our reply to it carried. The first eight bytes are the clock and the deadline.
pub fn ack(data: &[u8]) {
    let Some((clock, msg)) = data.split_first_chunk::<8>() else {
        return;
    };
    let now = u32::from_le_bytes([clock[0], clock[1], clock[2], clock[3]]);
    let deadline = u32::from_le_bytes([clock[4], clock[5], clock[6], clock[7]]);
    let Ok(req) = Request::parse_ack_facts(msg, ParserMode::Strict) else {
        return;
    };
    // The facts the early stop gives are those of a full read, when that succeeds.
    if let Ok(full) = Request::parse(msg) {
        assert_eq!(
            (req.to_tag(), req.call_id(), &req.via1),
            (full.to_tag(), full.call_id(), &full.via1)
        );
    }
    let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
    let ours = sig.to_tag(&req);
    assert!(sig.is_ours(&req, &ours), "our own tag is ours");
    match decide(&req, &sig, now, deadline) {
        AckDecision::Absorb => {
            assert!(req.is_method(b"ACK"));
            assert!((deadline.wrapping_sub(now) as i32) > 0);
            let tag = req.to_tag().expect("a tag");
            assert_eq!(tag, &ours[..]);
        }
        AckDecision::NotAck => assert!(!req.is_method(b"ACK")),
        AckDecision::TooLate | AckDecision::Foreign => assert!(req.is_method(b"ACK")),
    }
}

/// The in-dialog ACK table (`absorb_dialog_acks`): an ACK is absorbed exactly when a reply was
/// remembered for an INVITE whose Call-ID, From-tag, To-tag and CSeq number equal the ACK's
/// (and, for a 300-699 reply, its branch), inside that reply's window; never otherwise. The
/// first two bytes pick the reply's code (200-699), the next four the clock; the rest is the
/// INVITE, then, after two NUL bytes, the ACK (without them, the INVITE made an ACK).
pub fn dialog(data: &[u8]) {
    let Some((head, rest)) = data.split_first_chunk::<6>() else {
        return;
    };
    let code = 200 + u16::from_le_bytes([head[0], head[1]]) % 500;
    let now = u32::from_le_bytes([head[2], head[3], head[4], head[5]]);
    let (invite, ack) = match rest.windows(2).position(|w| w == b"\0\0") {
        Some(at) => (&rest[..at], rest[at + 2..].to_vec()),
        None => (rest, ack_of(rest)),
    };
    let slots: Vec<Slot> = (0..WAYS).map(|_| Slot::default()).collect();
    let table = DialogAcks::new(&slots).expect("one bucket");
    let (Some(ik), Some(ak)) = (
        DialogKey::read(invite, ParserMode::Strict),
        DialogKey::read(&ack, ParserMode::Strict),
    ) else {
        return;
    };
    let deadline = now.wrapping_add(32);
    let remembered = table.remember(&ik, code, now, deadline);
    let same = (ik.call_id, ik.from_tag, ik.to_tag, ik.cseq)
        == (ak.call_id, ak.from_tag, ak.to_tag, ak.cseq)
        && (code < 300 || ik.branch == ak.branch);
    for t in [
        now,
        now.wrapping_add(1),
        now.wrapping_add(31),
        deadline,
        now.wrapping_sub(1),
    ] {
        assert_eq!(
            table.matches(&ak, t),
            remembered && same && window_open(t, deadline),
            "code {code}, at {t} of {now}..{deadline}"
        );
    }
}

/// The ACK a UA sends for `invite`'s reply: its method in the request line and the CSeq.
fn ack_of(invite: &[u8]) -> Vec<u8> {
    let mut out = invite.to_vec();
    if out.starts_with(b"INVITE ") {
        out.splice(..6, *b"ACK");
    }
    if let Some(at) = out.windows(7).position(|w| w == b" INVITE") {
        out.splice(at + 1..at + 7, *b"ACK");
    }
    out
}

/// The split a host whose parser stopped after `k` header lines hands over (a host always reads
/// past the first Via), made from this crate's own reading; `None` when that reading fails.
/// Read as the ACK filter reads, so a repeat after the split is left for the reply to find.
pub fn split_at(msg: &[u8], k: usize, mode: ParserMode) -> Option<(Split, Vec<Header>)> {
    let req = Request::parse_ack_facts(msg, mode).ok()?;
    let all = req.headers().collect::<Result<Vec<_>, _>>().ok()?;
    let via = all.iter().position(|h| h.raw.start == req.via1_at)?;
    let head = &all[..k.clamp(via + 1, all.len())];
    let first = |kind| head.iter().find(|h| h.kind == kind);
    // Kamailio's parser refuses a repeated Content-Length or Max-Forwards where its mode says
    // so: no split to hand over.
    let twice = |kind: HeaderKind| {
        req.once_bit(kind) != 0 && head.iter().filter(|h| h.kind == kind).nth(1).is_some()
    };
    if twice(HeaderKind::ContentLength) || twice(HeaderKind::MaxForwards) {
        return None;
    }
    let line_end = crate::sip::memchr(b'\n', msg)?;
    let version_end = line_end - usize::from(msg[..line_end].ends_with(b"\r"));
    let split = Split {
        method: Span::of(0..req.method.len()),
        version: Span::of(version_end - req.version.len()..version_end),
        via1_at: req.via1_at,
        via1: req.via1.clone(),
        to: first(HeaderKind::To).map(|h| tag_param(msg, h.value.clone()).map(Span::of)),
        call_id: first(HeaderKind::CallId).map(|h| Span::of(h.value.clone())),
        rest: head.last()?.raw.end,
        content_length: first(HeaderKind::ContentLength).is_some(),
        max_forwards: first(HeaderKind::MaxForwards).is_some(),
    };
    Some((split, head.to_vec()))
}
