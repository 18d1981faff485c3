//! Rust's view of `struct sip_msg` (the rule of `super`: Rust reads and sets the message's
//! fields here; the shim runs host code). Mostly what Kamailio's parser already split of a
//! request: the request line, the header list, the first Via and the To. Before the routing script runs the core has read the
//! first line, the first Via and the lines up to CSeq (often all of them); reading its results
//! costs a few loads per line, where reading the bytes again cost hundreds of instructions.
//!
//! The struct layouts come from bindgen over the host's own headers with the host's defines
//! ([`super::sys`]), and `mod_init` checks them against the shim's C compiler. Fields are read
//! through raw pointers, never held as references: the host may change the message between
//! our reads. Every offset is checked against the buffer.
use core::marker::PhantomData;

use core::ffi::c_int;

use super::host::{host_bytes, HostConfig, Msg, GLOBAL};
use super::shim::*;
use super::sys;
use crate::module::{Host, SendFailed};
use crate::reply::dialog::DialogKey;
use crate::reply::totag::TagInput;
use crate::reply::Lump;
use crate::sip::{tag_param, HeaderKind, Line, Span, Split, Via};

/// Offsets of host pointers into one message buffer. Offsets are computed by wrapping
/// arithmetic, so any pointer (NULL too) gives a number, and one ordered chain of compares
/// ending at `len` then holds only for offsets inside the buffer: a pointer outside it lands
/// above `len`, and a span that wraps around ends below its start.
#[derive(Clone, Copy)]
struct Buf {
    start: usize,
    /// At most `i32::MAX` (the host's `int`): every offset that passes fits in `u32`.
    len: usize,
}

impl Buf {
    /// The message's buffer ([`bytes`]).
    fn of(bytes: &[u8]) -> Buf {
        Buf {
            start: bytes.as_ptr() as usize,
            len: bytes.len(),
        }
    }

    fn off(self, p: *const core::ffi::c_char) -> usize {
        (p as usize).wrapping_sub(self.start)
    }

    /// The offset of `p` in the buffer.
    fn at(self, p: *const core::ffi::c_char) -> Option<usize> {
        let off = self.off(p);
        (off <= self.len).then_some(off)
    }

    /// A host length: a negative one becomes too large for any buffer.
    fn len_of(len: core::ffi::c_int) -> usize {
        len as u32 as usize
    }

    fn range(self, s: sys::str_) -> Option<Span> {
        let start = self.off(s.s);
        let end = start.wrapping_add(Self::len_of(s.len));
        (start <= end && end <= self.len).then_some(Span::new(start as u32, end as u32))
    }

    /// A header line as the builder copies it; [`Line::UNREADABLE`] unless its offsets are
    /// in order and inside the buffer.
    fn line(
        self,
        kind: HeaderKind,
        name: *const core::ffi::c_char,
        body: sys::str_,
        len: core::ffi::c_int,
    ) -> Line {
        let start = self.off(name);
        let value_end = self.off(body.s).wrapping_add(Self::len_of(body.len));
        let end = start.wrapping_add(Self::len_of(len));
        if start <= value_end && value_end <= end && end <= self.len {
            Line {
                kind,
                start: start as u32,
                value_end: value_end as u32,
                end: end as u32,
            }
        } else {
            Line::UNREADABLE
        }
    }
}

/// The reply-relevant kind of each header type (one load per line instead of a compare chain).
const KINDS: [HeaderKind; 64] = {
    let mut k = [HeaderKind::Other; 64];
    k[sys::_hdr_types_t_HDR_VIA_T as usize] = HeaderKind::Via;
    k[sys::_hdr_types_t_HDR_FROM_T as usize] = HeaderKind::From;
    k[sys::_hdr_types_t_HDR_TO_T as usize] = HeaderKind::To;
    k[sys::_hdr_types_t_HDR_CALLID_T as usize] = HeaderKind::CallId;
    k[sys::_hdr_types_t_HDR_CSEQ_T as usize] = HeaderKind::CSeq;
    k[sys::_hdr_types_t_HDR_RECORDROUTE_T as usize] = HeaderKind::RecordRoute;
    k
};

fn kind(t: sys::hdr_types_t) -> HeaderKind {
    usize::try_from(t)
        .ok()
        .and_then(|t| KINDS.get(t).copied())
        .unwrap_or(HeaderKind::Other)
}

/// What the core split of the request, and its header lines a reply copies; `None` when it is
/// not a request with a parsed first Via, or a range it holds lies outside the buffer.
// Always inlined, as `Request::from_split`: the split is built where it is read.
#[inline(always)]
pub fn split<'m>(msg: &'m Msg<'_>) -> Option<(Split, Lines<'m>)> {
    let m = msg.raw().cast_const();
    // SAFETY: a valid message for this call (`Msg`'s invariant); plain field reads.
    let (fl, via1, h_via1, to, callid, unparsed, last, headers) = unsafe {
        (
            &raw const (*m).first_line,
            (*m).via1,
            (*m).h_via1,
            (*m).to,
            (*m).callid,
            (*m).unparsed,
            (*m).last_header,
            (*m).headers,
        )
    };
    let b = Buf::of(msg.msg());
    // SAFETY: first_line is part of the message; the request arm of its union is the one the
    // parser filled when the type is SIP_REQUEST.
    let (method, version) = unsafe {
        if i32::from((*fl).type_) != sys::SIP_REQUEST as i32 {
            return None;
        }
        let r = (*fl).u.request;
        (b.range(r.method)?, b.range(r.version)?)
    };
    if via1.is_null() || h_via1.is_null() {
        return None;
    }
    // SAFETY: the parser's first Via body and its parameters, part of the message.
    let via = unsafe {
        let v = &raw const *via1;
        // The core leaves a host it could not read NULL (a mangled IPv6 reference): absent.
        let host = if (*v).host.s.is_null() {
            Span::default()
        } else {
            b.range((*v).host)?
        };
        let port = if (*v).port_str.s.is_null() {
            Span::new(host.end, host.end)
        } else {
            b.range((*v).port_str)?
        };
        let param = |p: *const sys::via_param| -> Option<Option<Span>> {
            if p.is_null() {
                return Some(None);
            }
            let value = (*p).value;
            if value.s.is_null() {
                // A parameter without a value: empty, right after its name.
                let end = b.range((*p).name)?.end;
                return Some(Some(Span::new(end, end)));
            }
            b.range(value).map(Some)
        };
        // rport: the parameter after its ';', with the blanks the parser counted in it.
        let r = (*v).rport;
        let rport = if r.is_null() {
            None
        } else {
            Some(b.range(sys::str_ {
                s: (*r).start,
                len: (*r).size,
            })?)
        };
        // The branch parameter's end as the parser counted it (6.0 adds parameters there).
        let br = (*v).branch;
        let branch_end = if br.is_null() {
            0
        } else {
            b.range(sys::str_ {
                s: (*br).start,
                len: (*br).size,
            })?
            .end
        };
        Via {
            host,
            port,
            branch: param(br)?,
            branch_end,
            rport,
        }
    };
    // SAFETY: the first Via's header line, part of the message.
    let via1_at = b.at(unsafe { (*h_via1).name.s })?;
    let to = if to.is_null() {
        None
    } else {
        // SAFETY: the To header of this message; the core parses its body when it splits it.
        unsafe {
            let body = (*to).parsed.cast::<sys::to_body>();
            let tag = if body.is_null() || (*body).tag_value.s.is_null() {
                None
            } else {
                Some(b.range((*body).tag_value)?)
            };
            Some(tag)
        }
    };
    let call_id = if callid.is_null() {
        None
    } else {
        // SAFETY: the Call-ID header of this message.
        Some(b.range(unsafe { (*callid).body })?)
    };
    // The core may have split lines past `unparsed` when a later line failed to parse.
    let mut rest = b.at(unparsed)?;
    if !last.is_null() {
        // SAFETY: the last header of this message.
        let (name, len) = unsafe { ((*last).name.s, (*last).len) };
        let end = b.at(name)?.checked_add(usize::try_from(len).ok()?)?;
        rest = rest.max(end);
    }
    let split = Split {
        method,
        version,
        via1_at,
        via1: via,
        to,
        call_id,
        rest: rest.min(b.len),
        // SAFETY: as above; plain field reads.
        content_length: unsafe { !(*m).content_length.is_null() },
        // SAFETY: as above.
        max_forwards: unsafe { !(*m).maxforwards.is_null() },
    };
    let lines = Lines {
        h: headers,
        b,
        _msg: PhantomData,
    };
    Some((split, lines))
}

/// The core's header list of one message, walked as a reply is written: the lines a reply
/// copies, each [`Line::UNREADABLE`] when its offsets are out of order or outside the buffer.
#[derive(Clone)]
pub struct Lines<'m> {
    h: *const sys::hdr_field,
    b: Buf,
    _msg: PhantomData<&'m Msg<'m>>,
}

impl Default for Lines<'_> {
    /// No lines.
    fn default() -> Self {
        Lines {
            h: core::ptr::null(),
            b: Buf { start: 0, len: 0 },
            _msg: PhantomData,
        }
    }
}

impl Iterator for Lines<'_> {
    type Item = Line;

    #[inline]
    fn next(&mut self) -> Option<Line> {
        while !self.h.is_null() {
            // SAFETY: a header of the message `split` was given, which outlives `'m`; fields
            // are copied out.
            let (t, next, name, body, len) = unsafe {
                let h = self.h;
                ((*h).type_, (*h).next, (*h).name.s, (*h).body, (*h).len)
            };
            self.h = next;
            let kind = kind(t);
            if kind != HeaderKind::Other {
                return Some(self.b.line(kind, name, body, len));
            }
        }
        None
    }
}

/// An ACK's To-tag and what our tag for it is computed from, as the core parsed them; `None`
/// when it has not parsed all of them (the caller then reads the bytes itself).
pub fn ack_facts<'m>(msg: &'m Msg<'_>) -> Option<(Option<&'m [u8]>, TagInput<'m>)> {
    let m = msg.raw().cast_const();
    let bytes = msg.msg();
    let b = Buf::of(bytes);
    // One check, by the slice's own bounds (an offset that wraps around gives an end below
    // its start, refused as one past the buffer is).
    let slice = |s: sys::str_| {
        let start = b.off(s.s);
        bytes.get(start..start.wrapping_add(Buf::len_of(s.len)))
    };
    // SAFETY: a valid message for this call (`Msg`'s invariant); its first Via, To and Call-ID
    // headers and their parsed bodies are part of it.
    unsafe {
        let (v, to, callid) = ((*m).via1, (*m).to, (*m).callid);
        if v.is_null() || to.is_null() || callid.is_null() || (*to).parsed.is_null() {
            return None;
        }
        let tag = (*(*to).parsed.cast::<sys::to_body>()).tag_value;
        let tag = if tag.s.is_null() || tag.len == 0 {
            None
        } else {
            Some(slice(tag)?)
        };
        let port = (*v).port_str;
        let branch = (*v).branch;
        let host = (*v).host;
        let input = TagInput {
            host: if host.s.is_null() { b"" } else { slice(host)? },
            port: if port.s.is_null() { b"" } else { slice(port)? },
            branch: if branch.is_null() || (*branch).value.s.is_null() {
                b""
            } else {
                slice((*branch).value)?
            },
            call_id: slice((*callid).body)?,
        };
        Some((tag, input))
    }
}

/// What identifies the ACK to a reply to this request (`absorb_dialog_acks`), as the core
/// parsed it before the script (From, To, Call-ID and CSeq are parsed for every request; a
/// From the core left unparsed is read here); `None` when a part is missing or lies outside
/// the buffer (the module then reads the bytes).
pub fn dialog_key<'m>(msg: &'m Msg<'_>) -> Option<DialogKey<'m>> {
    let m = msg.raw().cast_const();
    let bytes = msg.msg();
    let b = Buf::of(bytes);
    let range = |s: sys::str_| {
        let start = b.off(s.s);
        let end = start.wrapping_add(Buf::len_of(s.len));
        (start <= end && end <= bytes.len()).then_some(start..end)
    };
    let slice = |s: sys::str_| range(s).map(|r| &bytes[r]).filter(|v| !v.is_empty());
    // SAFETY: a valid message for this call (`Msg`'s invariant); its first Via, From, To,
    // Call-ID and CSeq headers and their parsed bodies (each checked for NULL) are part of it;
    // `parsed` of a To or From is a `to_body`, of a CSeq a `cseq_body`.
    unsafe {
        let (v, from, to, callid, cseq) = ((*m).via1, (*m).from, (*m).to, (*m).callid, (*m).cseq);
        if v.is_null() || from.is_null() || to.is_null() || callid.is_null() || cseq.is_null() {
            return None;
        }
        if (*to).parsed.is_null() || (*cseq).parsed.is_null() {
            return None;
        }
        let from_tag = if (*from).parsed.is_null() {
            let body = range((*from).body)?;
            &bytes[tag_param(bytes, body).filter(|t| !t.is_empty())?]
        } else {
            slice((*(*from).parsed.cast::<sys::to_body>()).tag_value)?
        };
        let branch = (*v).branch;
        Some(DialogKey {
            call_id: slice((*callid).body)?,
            from_tag,
            to_tag: slice((*(*to).parsed.cast::<sys::to_body>()).tag_value)?,
            cseq: slice((*(*cseq).parsed.cast::<sys::cseq_body>()).number)?,
            branch: if branch.is_null() || (*branch).value.s.is_null() {
                b""
            } else {
                slice((*branch).value)?
            },
        })
    }
}

/// The message's flags (`msg_flags`: 32 bits in 5.6, 64 in 6.0).
fn flags(msg: &Msg<'_>) -> u64 {
    let m = msg.raw().cast_const();
    // SAFETY: a valid message for this call (`Msg`'s invariant); a plain field read.
    unsafe { u64::from((*m).msg_flags) }
}

/// `send_reply_mode`'s modes: reuse the request's connection only, close it after the reply.
pub fn set_reply_send_flags(msg: &mut Msg<'_>, no_connect: bool, close: bool) {
    let m = msg.raw();
    let f = if no_connect {
        sys::send_flags_SND_F_FORCE_CON_REUSE
    } else {
        0
    } | if close {
        sys::send_flags_SND_F_CON_CLOSE
    } else {
        0
    };
    // SAFETY: a valid message for this call (`Msg`'s invariant), which `&mut` says we may
    // change; a plain field write of the reply's send flags, which the core reads when it sends.
    unsafe {
        let sf = &raw mut (*m).rpl_send_flags.f;
        *sf = (u32::from(*sf) | f) as _;
    }
}

/// The reply lumps of one message (the core allocates them in its pkg memory for the request).
pub struct ReplyLumps<'m> {
    next: *const sys::lump_rpl,
    _msg: PhantomData<&'m Msg<'m>>,
}

impl<'m> Iterator for ReplyLumps<'m> {
    type Item = Lump<'m>;

    fn next(&mut self) -> Option<Lump<'m>> {
        while !self.next.is_null() {
            // SAFETY: a node of the message's list, which lives with the message; no lump is
            // added while a reply is written.
            let (text, flags, next) = unsafe {
                let l = self.next;
                ((*l).text, (*l).flags, (*l).next)
            };
            self.next = next;
            // SAFETY: the node's text, valid for its length (a negative one reads as empty).
            let t =
                unsafe { super::host::host_bytes(text.s, usize::try_from(text.len).unwrap_or(0)) };
            let flags = u32::try_from(flags).unwrap_or(0);
            if flags & sys::LUMP_RPL_HDR != 0 {
                return Some(Lump::Header(t));
            }
            if flags & sys::LUMP_RPL_BODY != 0 {
                return Some(Lump::Body(t));
            }
        }
        None
    }
}

/// The 3 status digits of a received reply; `None` when the message is not a reply.
pub fn reply_status<'m>(msg: &'m Msg<'_>) -> Option<&'m [u8]> {
    let m = msg.raw().cast_const();
    // SAFETY: a valid message for this call (`Msg`'s invariant); the reply arm of the first
    // line's union is the one the parser filled when the type is SIP_REPLY; the status lies
    // in the message's buffer.
    unsafe {
        let fl = &raw const (*m).first_line;
        if i32::from((*fl).type_) != sys::SIP_REPLY as i32 {
            return None;
        }
        let st = (*fl).u.reply.status;
        (st.len == 3).then(|| super::host::host_bytes(st.s, 3))
    }
}

/// `AF_INET` on Linux (the only platform Debian's Kamailio packages are built for here).
const AF_INET: core::ffi::c_uint = 2;

/// The flag bits of [`HostConfig`]; none before `mod_init`.
fn config() -> &'static HostConfig {
    static NONE: HostConfig = HostConfig {
        via_params_flag: 0,
        final_reply_flag: 0,
        delayed_reply_flag: 0,
    };
    GLOBAL.get().map_or(&NONE, |g| &g.host_config)
}

/// The host side of [`Host`]: the fields read here, host code through the shim.
impl Host for Msg<'_> {
    type Lumps<'a>
        = ReplyLumps<'a>
    where
        Self: 'a;
    type Lines<'a>
        = Lines<'a>
    where
        Self: 'a;

    fn msg(&self) -> &[u8] {
        let m = self.raw().cast_const();
        // SAFETY: a valid message for this call (`Msg`'s invariant): its buffer holds `len`
        // bytes for as long as the message lives.
        unsafe { host_bytes((*m).buf, usize::try_from((*m).len).unwrap_or(0)) }
    }

    #[inline(always)]
    fn split(&self) -> Option<(Split, Self::Lines<'_>)> {
        split(self)
    }

    fn ack_facts(&self) -> Option<(Option<&[u8]>, TagInput<'_>)> {
        ack_facts(self)
    }

    fn dialog_key(&self) -> Option<DialogKey<'_>> {
        dialog_key(self)
    }

    fn no_reply(&self) -> bool {
        flags(self) & u64::from(sys::FL_MSG_NOREPLY) != 0
    }

    fn final_replied(&self) -> bool {
        flags(self) & config().final_reply_flag != 0
    }

    fn reply_delayed(&self) -> bool {
        flags(self) & config().delayed_reply_flag != 0
    }

    fn mark_final_reply(&mut self) {
        let m = self.raw();
        let flag = config().final_reply_flag;
        // SAFETY: a valid message for this call (`Msg`'s invariant), which `&mut` says we may
        // change; a plain field write of one of the host's bits for this word.
        unsafe { (*m).msg_flags = (u64::from((*m).msg_flags) | flag) as _ }
    }

    fn via_extra(&self) -> Option<&[u8]> {
        // Only when the script asked (a flag of the message): most replies skip the shim.
        if flags(self) & config().via_params_flag == 0 {
            return None;
        }
        let mut len = 0;
        // SAFETY: valid message (type invariant); the shim writes `len` when it returns text.
        let p = unsafe { sl_shim_via_extra(self.raw(), &mut len) };
        // SAFETY: valid for `len` bytes until the PV buffer's next use, after this reply.
        (!p.is_null()).then(|| unsafe { host_bytes(p, len) })
    }

    fn read_rest(&mut self) -> bool {
        // SAFETY: valid message (type invariant); the parser adds to its header list.
        unsafe { sl_shim_read_rest(self.raw()) != 0 }
    }

    fn received_test(&self) -> bool {
        // SAFETY: valid message (type invariant).
        unsafe { sl_shim_received_test(self.raw()) != 0 }
    }

    fn force_rport(&self) -> bool {
        // Kamailio's own test (its forward.h): the message's flags or the global ones.
        // SAFETY: reads a core global.
        let flags = flags(self) | unsafe { sl_shim_global_req_flags() };
        flags & u64::from(sys::FL_FORCE_RPORT) != 0
    }

    fn source_ip<'b>(&self, buf: &'b mut [u8; 64]) -> &'b [u8] {
        let m = self.raw().cast_const();
        // SAFETY: a valid message for this call (`Msg`'s invariant); plain field reads. The
        // union holds an IPv4 address in its first four bytes when `af` is AF_INET.
        let (af, len, addr) = unsafe {
            let ip = &raw const (*m).rcv.src_ip;
            ((*ip).af, (*ip).len, (*ip).u.addr)
        };
        // IPv4 has one text form; the host writes others (IPv6 as its ipv6_hex_style says).
        if af == AF_INET && len == 4 {
            return crate::sip::fmt_ipv4([addr[0], addr[1], addr[2], addr[3]], buf);
        }
        // SAFETY: valid message; the shim writes at most `buf.len()` bytes.
        let n = unsafe { sl_shim_src_ip(self.raw(), buf.as_mut_ptr().cast(), buf.len()) };
        &buf[..n.min(buf.len())]
    }

    fn source_port(&self) -> u16 {
        // SAFETY: a valid message for this call (`Msg`'s invariant); a plain field read.
        unsafe { (*self.raw()).rcv.src_port }
    }

    fn lumps(&self) -> Self::Lumps<'_> {
        ReplyLumps {
            // SAFETY: a valid message for this call (`Msg`'s invariant); a plain field read.
            next: unsafe { (*self.raw()).reply_lump },
            _msg: PhantomData,
        }
    }

    fn warning(&self) -> Option<&[u8]> {
        let mut len = 0;
        // SAFETY: valid message (type invariant); the shim writes `len` when it returns a line.
        let p = unsafe { sl_shim_warning(self.raw(), &mut len) };
        // SAFETY: valid for `len` bytes until the next call, which this reply does not make.
        (!p.is_null()).then(|| unsafe { host_bytes(p, len) })
    }

    fn stream(&self) -> bool {
        // Anything but UDP (TCP, TLS, WebSocket, SCTP).
        // SAFETY: a valid message for this call (`Msg`'s invariant); a plain field read.
        let proto = unsafe { (*self.raw()).rcv.proto };
        sys::sip_protos::try_from(proto).ok() != Some(sys::sip_protos_PROTO_UDP)
    }

    fn add_redirect_contacts(&mut self) {
        // SAFETY: valid message (type invariant).
        unsafe { sl_shim_add_redirect_contacts(self.raw()) }
    }

    fn send(&mut self, reply: &[u8], code: u16, reason: &[u8]) -> Result<(), SendFailed> {
        // The core's outgoing-data events run for SIP messages only (HTTP replies skip them).
        let skip_events = !crate::reply::is_sip_message(reply);
        // SAFETY: valid message; `reply` and `reason` are valid for their lengths in the call.
        let r = unsafe {
            sl_shim_send_stateless(
                self.raw(),
                reply.as_ptr().cast(),
                reply.len(),
                code.into(),
                reason.as_ptr().cast(),
                reason.len(),
                skip_events.into(),
            )
        };
        status(r)
    }

    fn in_transaction(&self) -> bool {
        // SAFETY: reads tm's current transaction for this process.
        unsafe { sl_shim_tm_in_transaction() != 0 }
    }

    fn tm_reply(&mut self, code: u16, reason: &[u8]) -> Result<(), SendFailed> {
        // SAFETY: valid message; `reason` is valid for its length; the shim copies it.
        let r = unsafe {
            sl_shim_tm_reply(
                self.raw(),
                code.into(),
                reason.as_ptr().cast(),
                reason.len(),
            )
        };
        status(r)
    }

    fn tm_reply_error(&mut self) -> bool {
        // SAFETY: valid message; tm replies to it or not.
        unsafe { sl_shim_tm_reply_error(self.raw()) != 0 }
    }

    fn ticks(&self) -> u32 {
        // SAFETY: reads the host's tick counter.
        unsafe { sl_shim_ticks() }
    }
}

fn status(r: c_int) -> Result<(), SendFailed> {
    if r == 0 {
        Ok(())
    } else {
        Err(SendFailed)
    }
}
