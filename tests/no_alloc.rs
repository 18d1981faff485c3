//! A reply and an absorbed ACK allocate nothing: the module's work per request, through the
//! `Host` trait, counted by this test binary's allocator. (The host's own allocators, pkg and
//! shm, are counted inside the module's functions by `make bench`'s *alloc* column.)
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use sl_rs::module::{Answer, Host, Module, SendFailed, Shared};
use sl_rs::reply::ack::AckDecision;
use sl_rs::reply::dialog::DialogAcks;
use sl_rs::reply::totag::{Signature, TagInput, SL_SEED};
use sl_rs::reply::{Lump, Reason, ViaLayout};
use sl_rs::sip::{Line, ParserMode, Request, Split};

/// The system allocator, counting the allocations of the thread that makes them (the test
/// harness runs tests on threads of their own).
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: each method keeps `GlobalAlloc`'s contract by passing its call to the system
// allocator unchanged; the count is a thread-local `Cell` with a const initializer, which
// neither allocates nor needs a destructor.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's layout, as `alloc` requires it.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|n| n.set(n.get() + 1));
        // SAFETY: as `dealloc`; `new_size` as the caller checked it.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations `f` made on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCS.with(Cell::get);
    let r = f();
    (ALLOCS.with(Cell::get) - before, r)
}

/// A host over a request prepared beforehand (its split and lines included), keeping the one
/// reply it sends in a fixed buffer: nothing in it allocates.
struct Prepared<'m> {
    msg: &'m [u8],
    split: Option<(Split, &'m [Line])>,
    lumps: &'m [Lump<'m>],
    sent: [u8; 2048],
    sent_len: usize,
}

impl<'m> Prepared<'m> {
    fn new(msg: &'m [u8], split: Option<(Split, &'m [Line])>) -> Prepared<'m> {
        Prepared {
            msg,
            split,
            lumps: &[Lump::Header(b"X-Lump: 1\r\n")],
            sent: [0; 2048],
            sent_len: 0,
        }
    }

    fn reply(&self) -> &[u8] {
        &self.sent[..self.sent_len]
    }
}

impl Host for Prepared<'_> {
    type Lumps<'a>
        = std::iter::Copied<std::slice::Iter<'a, Lump<'a>>>
    where
        Self: 'a;
    type Lines<'a>
        = std::iter::Copied<std::slice::Iter<'a, Line>>
    where
        Self: 'a;
    fn msg(&self) -> &[u8] {
        self.msg
    }
    fn split(&self) -> Option<(Split, Self::Lines<'_>)> {
        let (s, lines) = self.split.as_ref()?;
        Some((s.clone(), lines.iter().copied()))
    }
    fn dialog_key(&self) -> Option<sl_rs::reply::dialog::DialogKey<'_>> {
        None
    }
    fn ack_facts(&self) -> Option<(Option<&[u8]>, TagInput<'_>)> {
        // A host that splits its requests has read an ACK's facts too.
        self.split.as_ref()?;
        let req = Request::parse(self.msg).ok()?;
        Some((req.to_tag(), TagInput::of(&req)))
    }
    fn read_rest(&mut self) -> bool {
        false
    }
    fn no_reply(&self) -> bool {
        false
    }
    fn final_replied(&self) -> bool {
        false
    }
    fn reply_delayed(&self) -> bool {
        false
    }
    fn mark_final_reply(&mut self) {}
    fn received_test(&self) -> bool {
        true
    }
    fn force_rport(&self) -> bool {
        false
    }
    fn source_ip<'b>(&self, buf: &'b mut [u8; 64]) -> &'b [u8] {
        buf[..9].copy_from_slice(b"127.0.0.2");
        &buf[..9]
    }
    fn source_port(&self) -> u16 {
        5099
    }
    fn add_redirect_contacts(&mut self) {}
    fn lumps(&self) -> Self::Lumps<'_> {
        self.lumps.iter().copied()
    }
    fn stream(&self) -> bool {
        false
    }
    fn warning(&self) -> Option<&[u8]> {
        None
    }
    fn send(&mut self, reply: &[u8], _code: u16, _reason: &[u8]) -> Result<(), SendFailed> {
        let out = self.sent.get_mut(..reply.len()).ok_or(SendFailed)?;
        out.copy_from_slice(reply);
        self.sent_len = reply.len();
        Ok(())
    }
    fn ticks(&self) -> u32 {
        1000
    }
    fn in_transaction(&self) -> bool {
        false
    }
    fn tm_reply(&mut self, _code: u16, _reason: &[u8]) -> Result<(), SendFailed> {
        Err(SendFailed)
    }
    fn tm_reply_error(&mut self) -> bool {
        false
    }
    fn via_extra(&self) -> Option<&[u8]> {
        None
    }
}

const INVITE: &str = "INVITE sip:b@x SIP/2.0\r\n\
    Via: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport\r\n\
    Via: SIP/2.0/TCP proxy.example;branch=z9hG4bK0\r\n\
    Record-Route: <sip:proxy.example;lr>\r\n\
    From: <sip:a@x>;tag=f\r\nTo: <sip:b@x>\r\nCall-ID: m1\r\nCSeq: 7 INVITE\r\n\
    Contact: <sip:a@10.1.1.1:5070>\r\nUser-Agent: t\r\nContent-Length: 0\r\n\r\n";

/// The ACK a UA sends for `reply` to [`INVITE`]: the same Via, Call-ID and the reply's To.
fn ack_for(reply: &[u8]) -> String {
    let reply = std::str::from_utf8(reply).expect("text");
    let to = reply
        .split("\r\n")
        .find(|l| l.starts_with("To:"))
        .expect("a To line");
    format!(
        "ACK sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport\r\n\
         From: <sip:a@x>;tag=f\r\n{to}\r\nCall-ID: m1\r\nCSeq: 7 ACK\r\nContent-Length: 0\r\n\r\n"
    )
}

fn module(dialog_acks: Option<DialogAcks<'_>>) -> Module<'_> {
    Module {
        signature: Signature::new(SL_SEED, b"127.0.0.1", b"5060"),
        ack_window: 32,
        via_layout: ViaLayout::AtEnd,
        reply_marks: false,
        parser_mode: ParserMode::Strict,
        empty_reason_refused: false,
        server_header: Some(b"Server: test"),
        sip_warning: false,
        dialog_acks,
    }
}

#[test]
fn a_reply_and_an_absorbed_ack_allocate_nothing() {
    let module = module(None);
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    let reason = Reason::new(b"Not Here").expect("a good reason");
    // Read from the bytes, and from a host's split up to CSeq, as Kamailio's core splits every
    // request before the script (Contact, User-Agent and Content-Length then scanned).
    let (split, head) =
        sl_rs::fuzzing::split_at(INVITE.as_bytes(), 7, ParserMode::Strict).expect("a split");
    let lines: Vec<Line> = head
        .iter()
        .filter(|h| h.kind.copied())
        .map(|h| h.line().expect("small"))
        .collect();
    for split in [None, Some((split, &lines[..]))] {
        let from_split = split.is_some();
        let mut host = Prepared::new(INVITE.as_bytes(), split.clone());
        let (n, sent) = allocations(|| {
            module.reply_stateless(&mut host, &shared, &mut buf, Answer::new(404, reason))
        });
        let sent = sent.unwrap_or_else(|e| panic!("{e:?} (from a split: {from_split})"));
        assert_eq!(n, 0, "allocations for a reply (from a split: {from_split})");
        assert!(host.reply().starts_with(b"SIP/2.0 404 Not Here\r\n"));
        assert_eq!(sent.len, host.reply().len());

        let ack = ack_for(host.reply());
        let ack_host = Prepared::new(ack.as_bytes(), split);
        let (n, decision) = allocations(|| module.filter_ack(&ack_host, 1001, &shared));
        assert_eq!(decision, Ok(AckDecision::Absorb));
        assert_eq!(n, 0, "allocations for an ACK (from a split: {from_split})");
    }
}

#[test]
fn an_in_dialog_reply_and_its_absorbed_ack_allocate_nothing() {
    use sl_rs::reply::dialog::Slot;
    let slots: Vec<Slot> = (0..16).map(|_| Slot::default()).collect();
    let module = module(DialogAcks::new(&slots));
    let shared = Shared::default();
    let mut buf = [0u8; 2048];
    let reason = Reason::new(b"Busy Here").expect("a good reason");
    let invite = INVITE.replace("To: <sip:b@x>", "To: <sip:b@x>;tag=dlg");
    let mut host = Prepared::new(invite.as_bytes(), None);
    let (n, sent) = allocations(|| {
        module.reply_stateless(&mut host, &shared, &mut buf, Answer::new(486, reason))
    });
    sent.expect("sent");
    assert_eq!(n, 0, "allocations for an in-dialog reply");
    let ack = ack_for(host.reply());
    assert!(ack.contains("tag=dlg\r\n"), "{ack}");
    let ack_host = Prepared::new(ack.as_bytes(), None);
    let (n, decision) = allocations(|| module.filter_ack(&ack_host, 1001, &shared));
    assert_eq!(decision, Ok(AckDecision::Absorb));
    assert_eq!(n, 0, "allocations for an in-dialog ACK");
}
