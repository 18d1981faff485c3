//! What runs per request: the pre-script ACK filter and the script functions. Each is its body,
//! made an entry by `msg_entry!` (the panic guard: a panic is the host's error value, -1 for
//! script functions, "pass" for the ACK filter, and a log line).
use core::ffi::{c_char, c_int};

use super::host::{host_bytes, log_dbg, log_err, log_info, msg_entry, with_reply_buf, Global, Msg};
use super::param::{int_param, str_param};
use super::shim::*;
use crate::guard::test_panic_point;
use crate::module::Host;
use crate::module::{Answer, Replied, ReplyError};
use crate::reply::ack::AckDecision;
use crate::reply::forward::{self, ForwardError};
use crate::reply::{check_code, Reason, SlError};

msg_entry! {
    /// The pre-script callback, for an ACK (the shim tests the method): 0 drops an ACK to one of
    /// our replies, 1 lets it reach the routing script.
    fn filter_ack("ACK filter", 1; m, g) -> c_int {
        let now = m.ticks();
        match g.module.filter_ack(m, now, g.shared.get()) {
            Ok(AckDecision::Absorb) => {
                // SAFETY: valid message; logs (debug), runs the callbacks and the event route.
                unsafe { sl_shim_ack_filtered(m.raw()) };
                0
            }
            Ok(_) => 1,
            Err(e) => {
                // Debug level, as native passes such ACKs on quietly: a peer sending malformed
                // ACKs inside the window must not be able to fill the log.
                log_dbg!("sl-rs: cannot check ACK for absorption, passing it on: {e}");
                1
            }
        }
    }
}

/// Evaluates the fixed-up code and reason of a script call, falling back to the module's
/// defaults as native does; `Err` carries the script return value after logging.
///
/// # Safety
/// `code` and `reason` are what our fixups made.
#[inline(always)]
unsafe fn code_and_reason<'a>(
    func: &str,
    g: &'a Global,
    msg: &Msg<'_>,
    code: *mut c_char,
    reason: *mut c_char,
) -> Result<(u16, Reason<'a>), c_int> {
    // SAFETY: as the caller guarantees.
    let code = i64::from(unsafe { int_param(msg, code, g.default_code.into()) });
    // SAFETY: as the caller guarantees; the result lives for this call.
    let (reason, literal) =
        unsafe { str_param(msg, reason) }.unwrap_or((&g.default_reason[..], true));
    checked(func, code, reason, literal)
}

/// Checks a reply's code and reason at run time (script, API, KEMI alike); `Err` carries the
/// return value after logging what was refused.
pub(super) fn validated<'a>(
    func: &str,
    code: i64,
    reason: &'a [u8],
) -> Result<(u16, Reason<'a>), c_int> {
    checked(func, code, reason, false)
}

/// [`validated`]; a reason `checked_at_startup` (a script's literal, the module's default)
/// is not looked at again.
#[inline]
fn checked<'a>(
    func: &str,
    code: i64,
    reason: &'a [u8],
    checked_at_startup: bool,
) -> Result<(u16, Reason<'a>), c_int> {
    check_code(code)
        .and_then(|c| match checked_at_startup {
            true => Ok((c, Reason::checked_at_startup(reason))),
            false => Reason::new(reason).map(|r| (c, r)),
        })
        .map_err(|e| refused(func, code, reason, e))
}

/// Logs a refused code or reason; the script's return value. Out of line: every reply passes
/// `checked`, hardly any is refused.
#[cold]
#[inline(never)]
fn refused(func: &str, code: i64, reason: &[u8], e: SlError) -> c_int {
    log_err!(
        "{func}({code}, \"{}\"): {e}; no reply sent",
        String::from_utf8_lossy(reason).escape_debug()
    );
    -1
}

msg_entry! {
    /// `sl_send_reply(code, reason)` and `sl_reply(code, reason)`: 1 sent, -1 error, -2 the
    /// request is marked "no reply".
    fn sl_send_reply("sl_send_reply", -1; m, g, code: *mut c_char, reason: *mut c_char) -> c_int {
        // SAFETY: the parameters our fixup made, for this message.
        let (code, reason) = match unsafe { code_and_reason("sl_send_reply", g, m, code, reason) } {
            Ok(v) => v,
            Err(r) => return r,
        };
        test_panic_point(reason.as_bytes());
        stateless("sl_send_reply", g, m, Answer::new(code, reason))
    }
}

/// A stateless reply for the script and the API, with `tag` as To-tag when given.
pub(super) fn stateless(func: &str, g: &Global, m: &mut Msg<'_>, answer: Answer<'_>) -> c_int {
    let r = with_reply_buf(|buf| g.module.reply_stateless(m, g.shared.get(), buf, answer));
    script_result(func, r.map(drop))
}

msg_entry! {
    /// `send_reply(code, reason)`: through tm when it holds a transaction, else statelessly.
    fn send_reply("send_reply", -1; m, g, code: *mut c_char, reason: *mut c_char) -> c_int {
        // SAFETY: the parameters our fixup made, for this message.
        match unsafe { code_and_reason("send_reply", g, m, code, reason) } {
            Ok((code, reason)) => tm_or_stateless(g, m, code, reason, 0),
            Err(r) => r,
        }
    }
}

msg_entry! {
    /// `send_reply_mode(code, reason, mode)`: `send_reply` with mode 1 (only over an existing
    /// connection) and 2 (close the connection after sending).
    fn send_reply_mode("send_reply_mode", -1; m, g,
        code: *mut c_char, reason: *mut c_char, mode: *mut c_char) -> c_int {
        // SAFETY: the parameters our fixup made, for this message.
        let (code, reason) = match unsafe { code_and_reason("send_reply_mode", g, m, code, reason) } {
            Ok(v) => v,
            Err(r) => return r,
        };
        // SAFETY: `mode` is the fparam_t our fixup made.
        let mode = unsafe { int_param(m, mode, 0) };
        tm_or_stateless(g, m, code, reason, mode)
    }
}

/// `send_reply` for the script, the API and KEMI; `mode` as `send_reply_mode`.
pub(super) fn tm_or_stateless(
    g: &Global,
    m: &mut Msg<'_>,
    code: u16,
    reason: Reason<'_>,
    mode: c_int,
) -> c_int {
    if mode & !3 != 0 {
        log_err!("send_reply_mode: mode {mode} is not 0 to 3; no reply sent");
        return -1;
    }
    if mode != 0 {
        super::msg::set_reply_send_flags(m, mode & 1 != 0, mode & 2 != 0);
    }
    let answer = Answer::new(code, reason);
    let r = with_reply_buf(|buf| {
        g.module
            .reply_tm_or_stateless(m, g.shared.get(), buf, answer)
    });
    script_result("send_reply", r.map(drop))
}

msg_entry! {
    /// `sl_reply_error()`: answers Kamailio's last internal error.
    fn sl_reply_error("sl_reply_error", -1; m, g, _p1: *mut c_char, _p2: *mut c_char) -> c_int {
        reply_error("sl_reply_error", g, m, false)
    }
}

msg_entry! {
    /// `send_reply_error()` (Kamailio 6.0): the internal-error reply through tm when tm
    /// answers it, else statelessly.
    fn send_reply_error("send_reply_error", -1; m, g, _p1: *mut c_char, _p2: *mut c_char) -> c_int {
        reply_error("send_reply_error", g, m, true)
    }
}

/// The two internal-error replies; `tm_first` asks tm before answering statelessly.
fn reply_error(func: &str, g: &Global, m: &mut Msg<'_>, tm_first: bool) -> c_int {
    // SAFETY: reads a core global.
    let err = unsafe { sl_shim_prev_ser_error() };
    let (module, shared) = (&g.module, g.shared.get());
    let r = with_reply_buf(|buf| {
        if tm_first {
            module.send_reply_error(m, shared, buf, err)
        } else {
            module
                .reply_error(m, shared, buf, err)
                .map(Replied::Stateless)
        }
    });
    if let Ok(Replied::Stateless(_)) = r {
        log_err!("sl-rs: stateless error reply used for internal error {err}");
    }
    script_result(func, r.map(drop))
}

msg_entry! {
    /// `sl_forward_reply()`: forwards the received reply statelessly.
    fn sl_forward_reply0("sl_forward_reply", -1; m, _g, _p1: *mut c_char, _p2: *mut c_char) -> c_int {
        forward_reply(m, b"", b"")
    }
}

msg_entry! {
    /// `sl_forward_reply(code)`: with a new code of the same class.
    fn sl_forward_reply1("sl_forward_reply", -1; m, _g, code: *mut c_char, _p2: *mut c_char) -> c_int {
        // SAFETY: the parameter our fixup made, for this message.
        match unsafe { spve(m, code) } {
            Some(code) => forward_reply(m, code, b""),
            None => -1,
        }
    }
}

msg_entry! {
    /// `sl_forward_reply(code, reason)`: with a new code and reason phrase.
    fn sl_forward_reply2("sl_forward_reply", -1; m, _g, code: *mut c_char, reason: *mut c_char) -> c_int {
        // SAFETY: the parameters our fixup made, for this message.
        match unsafe { (spve(m, code), spve(m, reason)) } {
            (Some(code), Some(reason)) => forward_reply(m, code, reason),
            _ => -1,
        }
    }
}

/// The value of a string-or-variable parameter for this message (logged when it fails).
///
/// # Safety
/// `gp` is what our fixup made.
unsafe fn spve<'a>(msg: &'a Msg<'_>, gp: *mut c_char) -> Option<&'a [u8]> {
    let (mut s, mut len) = (core::ptr::null(), 0);
    // SAFETY: a valid message (`Msg`); `gp` as the caller guarantees.
    if unsafe { sl_shim_get_spve(msg.raw(), gp.cast(), &mut s, &mut len) } < 0 {
        log_err!("sl_forward_reply: cannot evaluate a parameter");
        return None;
    }
    // SAFETY: valid for `len` bytes for this call.
    Some(unsafe { host_bytes(s, len) })
}

/// Forwards a received reply with its code and reason optionally replaced (empty: keep).
pub(super) fn forward_reply(msg: &Msg<'_>, code: &[u8], reason: &[u8]) -> c_int {
    let Some(status) = super::msg::reply_status(msg) else {
        log_err!("sl_forward_reply: the message is not a SIP reply");
        return -1;
    };
    let checked = forward::new_code(status, code)
        .and_then(|c| forward::check_reason_text(reason).map(|r| (c, r.unwrap_or_default())));
    let (new_code, new_reason) = match checked {
        Ok(v) => v,
        Err(e) => {
            let shown = match e {
                ForwardError::BadReason => String::from_utf8_lossy(reason),
                _ => String::from_utf8_lossy(code),
            };
            log_err!(
                "sl_forward_reply(\"{}\") on a {} reply: {e}; not forwarded",
                shown.escape_debug(),
                String::from_utf8_lossy(status)
            );
            return -1;
        }
    };
    let code_ptr = new_code
        .as_ref()
        .map_or(core::ptr::null(), |c| c.as_ptr().cast());
    // SAFETY: valid message; code is NULL or 3 bytes, reason valid for its length.
    let r = unsafe {
        sl_shim_forward_reply(
            msg.raw(),
            code_ptr,
            new_reason.as_ptr().cast(),
            new_reason.len(),
        )
    };
    if r == 0 {
        1
    } else {
        log_err!("sl_forward_reply: forwarding the reply failed");
        -1
    }
}

#[inline(always)]
pub(super) fn script_result(func: &str, r: Result<(), ReplyError>) -> c_int {
    match r {
        Ok(()) => 1,
        Err(e) => script_error(func, e),
    }
}

/// Logs why a reply was not sent; the script's return value. Out of line: hardly any reply
/// takes this way.
#[cold]
#[inline(never)]
fn script_error(func: &str, e: ReplyError) -> c_int {
    match e {
        ReplyError::NoReply => {
            log_info!("{func}: message marked with no-reply flag");
            -2
        }
        ReplyError::Sl(e) => {
            log_err!("{func}: {e}; no reply sent");
            -1
        }
        ReplyError::Send => {
            log_err!("{func}: sending the reply failed");
            -1
        }
        ReplyError::Tm => {
            log_err!("{func}: tm could not send the reply");
            -1
        }
        ReplyError::FinalSent => {
            log_info!("{func}: message marked with final-reply flag");
            -2
        }
        ReplyError::Delayed => {
            log_info!("{func}: message marked with delayed-reply flag");
            -3
        }
        ReplyError::Busy => {
            log_err!("{func}: called while another reply is being sent (from an sl event callback?); not sent");
            -1
        }
    }
}
