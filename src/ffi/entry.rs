//! The `extern "C"` functions Kamailio calls for the module's life cycle and its script
//! functions. Each body is one call to `ffi_guard`, which turns a panic into the host's error
//! value (-1 for script functions and init, "pass" for the ACK filter) and a log line.
use core::ffi::{c_char, c_int, c_uint, c_void};

use super::host::{
    host_bytes, log, log_dbg, log_err, log_info, raw_param, with_reply_buf, Global, Msg,
    SharedBlock, GLOBAL,
};
use super::shim::*;
use crate::guard::{ffi_guard, test_panic_point};
use crate::module::{Module, ReplyError};
use crate::reply::ack::AckDecision;
use crate::reply::forward::{self, ForwardError};
use crate::reply::totag::{Signature, SL_SEED};
use crate::reply::{check_code, check_reason};
use crate::stats::STATS;

/// Native sl's `SL_RPL_WAIT_TIME`: how long after a reply to an INVITE its ACK is looked for.
const ACK_WINDOW_SECONDS: c_uint = 2;

pub(super) fn report_panic(text: &str) {
    log(SL_SHIM_ERR, text);
}

/// `mod_init`: runs once in the main process, before the workers fork.
#[no_mangle]
pub extern "C" fn sl_rs_mod_init() -> c_int {
    ffi_guard("mod_init", -1, || match mod_init() {
        Ok(()) => 0,
        Err(e) => {
            log_err!("sl-rs: module initialisation failed: {e}");
            -1
        }
    })
}

/// Reads and checks the module parameters; the error names the parameter and its value.
fn params() -> Result<(u16, &'static [u8]), String> {
    // SAFETY: reads module parameters the host has finished writing.
    let code = unsafe { sl_shim_param_default_code() };
    let default_code = check_code(code.into())
        .map_err(|e| format!("modparam(\"sl\", \"default_code\", {code}): {e}"))?;
    let mut len = 0;
    // SAFETY: the parameter string lives for the process's life.
    let reason = unsafe { host_bytes(sl_shim_param_default_reason(&mut len), len) };
    check_reason(reason).map_err(|e| {
        format!(
            "modparam(\"sl\", \"default_reason\", \"{}\"): {e}",
            String::from_utf8_lossy(reason).escape_debug()
        )
    })?;
    // SAFETY: as above.
    let bind_tm = unsafe { sl_shim_param_bind_tm() };
    if !(0..=1).contains(&bind_tm) {
        return Err(format!(
            "modparam(\"sl\", \"bind_tm\", {bind_tm}): must be 0 or 1"
        ));
    }
    // SAFETY: as above.
    let rich = unsafe { sl_shim_param_rich_redirect() };
    if !(0..=3).contains(&rich) {
        return Err(format!(
            "modparam(\"sl\", \"rich_redirect\", {rich}): must be 0 to 3 (1 branch flags, 2 path, 3 both)"
        ));
    }
    for (which, name) in [
        (SL_SHIM_EVCB_FL_ACK, "event_callback_fl_ack"),
        (SL_SHIM_EVCB_LRES_SENT, "event_callback_lres_sent"),
    ] {
        let mut len = 0;
        // SAFETY: as above.
        let cb = unsafe { host_bytes(sl_shim_param_event_callback(which, &mut len), len) };
        let ok = cb
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"_.:".contains(&b));
        if !ok {
            return Err(format!(
                "modparam(\"sl\", \"{name}\", \"{}\"): not a function name (letters, digits, _ . :)",
                String::from_utf8_lossy(cb).escape_debug()
            ));
        }
    }
    Ok((default_code, reason))
}

fn mod_init() -> Result<(), String> {
    if !super::msg::layout_matches() {
        return Err("this build's struct sip_msg layout differs from the host's (built with other headers or defines?)".into());
    }
    let (default_code, reason) = params()?;
    let (mut a, mut alen, mut p, mut plen) = (core::ptr::null(), 0, core::ptr::null(), 0);
    // SAFETY: the shim writes the four outputs; the strings live as long as the socket list.
    let signature = if unsafe { sl_shim_first_socket(&mut a, &mut alen, &mut p, &mut plen) } == 0 {
        // SAFETY: valid for their lengths (socket strings are never freed while running).
        Signature::new(SL_SEED, unsafe { host_bytes(a, alen) }, unsafe {
            host_bytes(p, plen)
        })
    } else {
        Signature::new(SL_SEED, b"", b"")
    };
    // SAFETY: plain call into the host's timer.
    let window = unsafe { sl_shim_s_to_ticks(ACK_WINDOW_SECONDS) };
    let shared = SharedBlock::new().ok_or("no shared memory for the statistics and ACK window")?;
    if let Err(e) = register(&shared) {
        shared.free();
        return Err(e);
    }
    let global = Global {
        module: Module {
            signature,
            ack_window: window,
        },
        shared,
        default_code,
        default_reason: reason.into(),
    };
    GLOBAL
        .set(global)
        .map_err(|_| "mod_init ran twice".to_string())
}

/// Hooks the module into the host: statistics, the ACK filter, tm, event routes.
fn register(shared: &SharedBlock) -> Result<(), String> {
    // SAFETY: reads the host's tick counter.
    let now = unsafe { sl_shim_ticks() };
    shared
        .get()
        .ack_deadline
        .store(now, core::sync::atomic::Ordering::Relaxed);
    for (i, (name, _)) in STATS.iter().enumerate() {
        // SAFETY: `name` is a 'static C string; the host keeps the pointer.
        if unsafe { sl_shim_register_stat(name.as_ptr(), i as c_int) } < 0 {
            return Err(format!("cannot register statistic sl:{name:?}"));
        }
    }
    // SAFETY: registers our filter; the host calls it for every request before the script.
    if unsafe { sl_shim_register_ack_filter() } < 0 {
        return Err("cannot register the ACK filter script callback".into());
    }
    // SAFETY: the routing script is compiled before mod_init.
    unsafe { sl_shim_lookup_event_routes() };
    Ok(())
}

/// `child_init`: first in the main process (rank PROC_INIT, before the fork: tm is bound
/// there and the workers inherit it), then per process; makes this process's reply buffer.
#[no_mangle]
pub extern "C" fn sl_rs_child_init(_rank: c_int) -> c_int {
    ffi_guard("child_init", -1, || {
        // tm is bound here, not in mod_init: there, tm may not be initialised yet (if loaded
        // after sl) and its API refuses with an error line. A no-op once bound.
        // SAFETY: plain call.
        if unsafe { sl_shim_tm_bind() } == 0 {
            log_dbg!("sl-rs: tm not bound: send_reply() answers statelessly");
        }
        match with_reply_buf(|b| Ok(b.len())) {
            Ok(n) if n > 0 => 0,
            _ => -1,
        }
    })
}

/// `mod_destroy`: at shutdown, in the main process.
#[no_mangle]
pub extern "C" fn sl_rs_mod_destroy() {
    ffi_guard("mod_destroy", (), || {
        // SAFETY: at shutdown nothing runs the callbacks any more.
        unsafe { sl_shim_destroy_callbacks() };
        if let Some(g) = GLOBAL.get() {
            g.shared.free();
        }
    })
}

/// The pre-script request callback: returns 0 to drop an ACK to one of our replies, 1 to let
/// the request reach the routing script.
#[no_mangle]
pub extern "C" fn sl_rs_filter_ack(
    msg: *mut sip_msg,
    _flags: c_uint,
    _param: *mut c_void,
) -> c_int {
    ffi_guard("ACK filter", 1, || {
        // SAFETY: the host passes the message being processed, valid for this call.
        let (Some(m), Some(g)) = (unsafe { Msg::from_raw(msg) }, GLOBAL.get()) else {
            return 1;
        };
        let now = crate::module::Host::ticks(&m);
        match g.module.filter_ack(&m, now, g.shared.get()) {
            Ok(AckDecision::Absorb) => {
                log_dbg!("sl-rs: ACK to a local stateless reply absorbed");
                // SAFETY: valid message; runs the callbacks and the event route.
                unsafe { sl_shim_ack_filtered(msg) };
                0
            }
            Ok(_) => 1,
            Err(e) => {
                log_err!("sl-rs: cannot check ACK for absorption, passing it on: {e}");
                1
            }
        }
    })
}

/// Fixup of `sl_send_reply(code, reason)`: literals are checked when Kamailio starts.
#[no_mangle]
pub extern "C" fn sl_rs_fixup_sl_send_reply(param: *mut *mut c_void, param_no: c_int) -> c_int {
    ffi_guard("sl_send_reply fixup", -1, || {
        fixup_reply("sl_send_reply", param, param_no)
    })
}

/// Fixup of `sl_reply(code, reason)`, the alias.
#[no_mangle]
pub extern "C" fn sl_rs_fixup_sl_reply(param: *mut *mut c_void, param_no: c_int) -> c_int {
    ffi_guard("sl_reply fixup", -1, || {
        fixup_reply("sl_reply", param, param_no)
    })
}

/// Fixup of `send_reply(code, reason)`.
#[no_mangle]
pub extern "C" fn sl_rs_fixup_send_reply(param: *mut *mut c_void, param_no: c_int) -> c_int {
    ffi_guard("send_reply fixup", -1, || {
        fixup_reply("send_reply", param, param_no)
    })
}

/// Fixup of `send_reply_mode(code, reason, mode)`: mode is 0 to 3.
#[no_mangle]
pub extern "C" fn sl_rs_fixup_send_reply_mode(param: *mut *mut c_void, param_no: c_int) -> c_int {
    ffi_guard("send_reply_mode fixup", -1, || {
        if param_no != 3 {
            return fixup_reply("send_reply_mode", param, param_no);
        }
        // SAFETY: before fixup the host passes the parameter as a NUL-terminated string.
        let raw = unsafe { raw_param(param) };
        // SAFETY: host fixup on the host's parameter slot (native fixes the mode like a code).
        if param.is_null() || unsafe { sl_shim_fixup_int(param, 1) } < 0 {
            log_err!(
                "send_reply_mode(..., ..., \"{raw}\"): the mode must be a number or a variable"
            );
            return -1;
        }
        let mut v = 0;
        // SAFETY: `*param` now holds the host's fparam_t.
        if unsafe { sl_shim_fparam_int_literal(*param, &mut v) } == 1 && !(0..=3).contains(&v) {
            log_err!("send_reply_mode(..., ..., \"{raw}\"): the mode must be 0 to 3 (1 no connect, 2 close)");
            return -1;
        }
        0
    })
}

/// Fixup of `sl_forward_reply([code[, reason]])`: strings or variables; literals checked.
#[no_mangle]
pub extern "C" fn sl_rs_fixup_sl_forward_reply(param: *mut *mut c_void, param_no: c_int) -> c_int {
    ffi_guard("sl_forward_reply fixup", -1, || {
        // SAFETY: before fixup the host passes the parameter as a NUL-terminated string.
        let raw = unsafe { raw_param(param) };
        // SAFETY: host fixup on the host's parameter slot.
        if param.is_null() || unsafe { sl_shim_fixup_spve(param, param_no) } < 0 {
            log_err!("sl_forward_reply: cannot use parameter {param_no} \"{raw}\"");
            return -1;
        }
        let (mut s, mut len) = (core::ptr::null(), 0);
        // SAFETY: `*param` now holds the host's gparam_t; its string lives for the process.
        if unsafe { sl_shim_gparam_str_literal(*param, &mut s, &mut len) } == 1 {
            // SAFETY: valid for `len` bytes.
            let lit = unsafe { host_bytes(s, len) };
            let r = match param_no {
                1 => forward::parse_code(lit).map(drop),
                _ => forward::check_reason_text(lit).map(drop),
            };
            if let Err(e) = r {
                log_err!("sl_forward_reply(\"{}\"): {e}", raw.escape_debug());
                return -1;
            }
        }
        0
    })
}

fn fixup_reply(func: &str, param: *mut *mut c_void, param_no: c_int) -> c_int {
    if param.is_null() {
        return -1;
    }
    // SAFETY: before fixup the host passes the parameter as a NUL-terminated string.
    let raw = unsafe { raw_param(param) };
    match param_no {
        1 => {
            // SAFETY: host fixup on the host's parameter slot.
            if unsafe { sl_shim_fixup_int(param, 1) } < 0 {
                log_err!("{func}(\"{raw}\", ...): the reply code must be a number or a variable");
                return -1;
            }
            let mut v = 0;
            // SAFETY: `*param` now holds the host's fparam_t.
            if unsafe { sl_shim_fparam_int_literal(*param, &mut v) } == 1 {
                if let Err(e) = check_code(v.into()) {
                    log_err!("{func}(\"{raw}\", ...): {e}");
                    return -1;
                }
            }
            0
        }
        2 => {
            // SAFETY: host fixup on the host's parameter slot.
            if unsafe { sl_shim_fixup_str(param, 2) } < 0 {
                log_err!("{func}(..., \"{raw}\"): the reason must be a string or a variable");
                return -1;
            }
            let (mut s, mut len) = (core::ptr::null(), 0);
            // SAFETY: `*param` now holds the host's fparam_t; its string lives for the process.
            if unsafe { sl_shim_fparam_str_literal(*param, &mut s, &mut len) } == 1 {
                // SAFETY: valid for `len` bytes.
                if let Err(e) = check_reason(unsafe { host_bytes(s, len) }) {
                    log_err!("{func}(..., \"{}\"): {e}", raw.escape_debug());
                    return -1;
                }
            }
            0
        }
        _ => 0,
    }
}

/// Evaluates the fixed-up code and reason of a script call, falling back to the module's
/// defaults as native does; `Err` carries the script return value after logging.
///
/// # Safety
/// `msg` is the host's message for this call; `code` and `reason` are what our fixups made.
unsafe fn code_and_reason<'a>(
    func: &str,
    g: &'a Global,
    msg: *mut sip_msg,
    code: *mut c_char,
    reason: *mut c_char,
) -> Result<(u16, &'a [u8]), c_int> {
    let mut v = 0;
    // SAFETY: as the caller guarantees.
    let code = if unsafe { sl_shim_get_int(msg, code.cast(), &mut v) } < 0 {
        i64::from(g.default_code)
    } else {
        i64::from(v)
    };
    let (mut s, mut len) = (core::ptr::null(), 0);
    // SAFETY: as the caller guarantees; the result lives for this call.
    let (reason, literal) = match unsafe { sl_shim_get_str(msg, reason.cast(), &mut s, &mut len) } {
        // SAFETY: valid for `len` bytes for this call.
        r if r >= 0 => (unsafe { host_bytes(s, len) }, r == 1),
        _ => (&g.default_reason[..], true),
    };
    // Literal reasons and the default were checked at start-up: only the code is left.
    Ok((checked(func, code, reason, !literal)?, reason))
}

/// Checks a reply's code and reason at run time (script, API, KEMI alike); `Err` carries the
/// return value after logging what was refused.
pub(super) fn validated(func: &str, code: i64, reason: &[u8]) -> Result<u16, c_int> {
    checked(func, code, reason, true)
}

/// [`validated`], with the reason checked only when `check_reason_too`.
fn checked(func: &str, code: i64, reason: &[u8], check_reason_too: bool) -> Result<u16, c_int> {
    check_code(code)
        .and_then(|c| match check_reason_too {
            true => check_reason(reason).map(|()| c),
            false => Ok(c),
        })
        .map_err(|e| {
            log_err!(
                "{func}({code}, \"{}\"): {e}; no reply sent",
                String::from_utf8_lossy(reason).escape_debug()
            );
            -1
        })
}

/// `sl_send_reply(code, reason)` and `sl_reply(code, reason)`: 1 sent, -1 error, -2 the
/// request is marked "no reply".
#[no_mangle]
pub extern "C" fn sl_rs_w_sl_send_reply(
    msg: *mut sip_msg,
    code: *mut c_char,
    reason: *mut c_char,
) -> c_int {
    ffi_guard("sl_send_reply", -1, || {
        // SAFETY: the host passes the message being processed, valid for this call.
        let (Some(mut m), Some(g)) = (unsafe { Msg::from_raw(msg) }, GLOBAL.get()) else {
            return -1;
        };
        // SAFETY: the parameters our fixup made, for this message.
        let (code, reason) = match unsafe { code_and_reason("sl_send_reply", g, msg, code, reason) }
        {
            Ok(v) => v,
            Err(r) => return r,
        };
        test_panic_point(reason);
        sl_reply("sl_send_reply", g, &mut m, code, reason, None)
    })
}

/// A stateless reply for the script and the API, with `tag` as To-tag when given.
pub(super) fn sl_reply(
    func: &str,
    g: &Global,
    m: &mut Msg,
    code: u16,
    reason: &[u8],
    tag: Option<&[u8]>,
) -> c_int {
    let r = with_reply_buf(|buf| {
        g.module
            .send_reply(m, g.shared.get(), buf, code, reason, tag)
    });
    script_result(func, r.map(drop))
}

/// `send_reply(code, reason)`: through tm when it holds a transaction, else statelessly.
#[no_mangle]
pub extern "C" fn sl_rs_w_send_reply(
    msg: *mut sip_msg,
    code: *mut c_char,
    reason: *mut c_char,
) -> c_int {
    ffi_guard("send_reply", -1, || {
        // SAFETY: the host passes the message being processed, valid for this call.
        let (Some(mut m), Some(g)) = (unsafe { Msg::from_raw(msg) }, GLOBAL.get()) else {
            return -1;
        };
        // SAFETY: the parameters our fixup made, for this message.
        match unsafe { code_and_reason("send_reply", g, msg, code, reason) } {
            Ok((code, reason)) => send_reply(g, &mut m, code, reason, 0),
            Err(r) => r,
        }
    })
}

/// `send_reply_mode(code, reason, mode)`: `send_reply` with mode 1 (only over an existing
/// connection) and 2 (close the connection after sending).
#[no_mangle]
pub extern "C" fn sl_rs_w_send_reply_mode(
    msg: *mut sip_msg,
    code: *mut c_char,
    reason: *mut c_char,
    mode: *mut c_char,
) -> c_int {
    ffi_guard("send_reply_mode", -1, || {
        // SAFETY: the host passes the message being processed, valid for this call.
        let (Some(mut m), Some(g)) = (unsafe { Msg::from_raw(msg) }, GLOBAL.get()) else {
            return -1;
        };
        // SAFETY: the parameters our fixup made, for this message.
        let (code, reason) =
            match unsafe { code_and_reason("send_reply_mode", g, msg, code, reason) } {
                Ok(v) => v,
                Err(r) => return r,
            };
        let mut v = 0;
        // SAFETY: `mode` is the fparam_t our fixup made.
        let mode = if unsafe { sl_shim_get_int(msg, mode.cast(), &mut v) } < 0 {
            0
        } else {
            v
        };
        send_reply(g, &mut m, code, reason, mode)
    })
}

/// `send_reply` for the script, the API and KEMI; `mode` as `send_reply_mode`.
pub(super) fn send_reply(g: &Global, m: &mut Msg, code: u16, reason: &[u8], mode: c_int) -> c_int {
    if mode & !3 != 0 {
        log_err!("send_reply_mode: mode {mode} is not 0 to 3; no reply sent");
        return -1;
    }
    if mode != 0 {
        // SAFETY: valid message; sets its reply send flags.
        unsafe { sl_shim_set_reply_flags(m.raw(), mode & 1, mode & 2) };
    }
    let r = with_reply_buf(|buf| g.module.reply_any(m, g.shared.get(), buf, code, reason));
    script_result("send_reply", r.map(drop))
}

/// `sl_reply_error()`: answers Kamailio's last internal error.
#[no_mangle]
pub extern "C" fn sl_rs_w_sl_reply_error(
    msg: *mut sip_msg,
    _p1: *mut c_char,
    _p2: *mut c_char,
) -> c_int {
    ffi_guard("sl_reply_error", -1, || {
        // SAFETY: the host passes the message being processed, valid for this call.
        let (Some(mut m), Some(g)) = (unsafe { Msg::from_raw(msg) }, GLOBAL.get()) else {
            return -1;
        };
        // SAFETY: reads a core global.
        let err = unsafe { sl_shim_prev_ser_error() };
        let r = with_reply_buf(|buf| g.module.reply_error(&mut m, g.shared.get(), buf, err));
        if r.is_ok() {
            log_err!("sl-rs: stateless error reply used for internal error {err}");
        }
        script_result("sl_reply_error", r.map(drop))
    })
}

/// `sl_forward_reply()`: forwards the received reply statelessly.
#[no_mangle]
pub extern "C" fn sl_rs_w_sl_forward_reply0(
    msg: *mut sip_msg,
    _p1: *mut c_char,
    _p2: *mut c_char,
) -> c_int {
    ffi_guard("sl_forward_reply", -1, || forward_reply(msg, b"", b""))
}

/// `sl_forward_reply(code)`: with a new code of the same class.
#[no_mangle]
pub extern "C" fn sl_rs_w_sl_forward_reply1(
    msg: *mut sip_msg,
    code: *mut c_char,
    _p2: *mut c_char,
) -> c_int {
    ffi_guard("sl_forward_reply", -1, || {
        // SAFETY: the parameter our fixup made, for this message.
        match unsafe { spve(msg, code) } {
            Some(code) => forward_reply(msg, code, b""),
            None => -1,
        }
    })
}

/// `sl_forward_reply(code, reason)`: with a new code and reason phrase.
#[no_mangle]
pub extern "C" fn sl_rs_w_sl_forward_reply2(
    msg: *mut sip_msg,
    code: *mut c_char,
    reason: *mut c_char,
) -> c_int {
    ffi_guard("sl_forward_reply", -1, || {
        // SAFETY: the parameters our fixup made, for this message.
        match unsafe { (spve(msg, code), spve(msg, reason)) } {
            (Some(code), Some(reason)) => forward_reply(msg, code, reason),
            _ => -1,
        }
    })
}

/// The value of a string-or-variable parameter for this message (logged when it fails).
///
/// # Safety
/// `msg` is the host's message for this call; `gp` is what our fixup made.
unsafe fn spve<'a>(msg: *mut sip_msg, gp: *mut c_char) -> Option<&'a [u8]> {
    let (mut s, mut len) = (core::ptr::null(), 0);
    // SAFETY: as the caller guarantees.
    if msg.is_null() || unsafe { sl_shim_get_spve(msg, gp.cast(), &mut s, &mut len) } < 0 {
        log_err!("sl_forward_reply: cannot evaluate a parameter");
        return None;
    }
    // SAFETY: valid for `len` bytes for this call.
    Some(unsafe { host_bytes(s, len) })
}

/// Forwards a received reply with its code and reason optionally replaced (empty: keep).
pub(super) fn forward_reply(msg: *mut sip_msg, code: &[u8], reason: &[u8]) -> c_int {
    if msg.is_null() {
        return -1;
    }
    // SAFETY: valid message; NULL or 3 bytes inside its buffer.
    let status = unsafe { sl_shim_reply_status(msg) };
    if status.is_null() {
        log_err!("sl_forward_reply: the message is not a SIP reply");
        return -1;
    }
    // SAFETY: 3 bytes, as above.
    let status = unsafe { host_bytes(status, 3) };
    let checked = forward::check_code(status, code)
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
        sl_shim_forward_reply(msg, code_ptr, new_reason.as_ptr().cast(), new_reason.len())
    };
    if r == 0 {
        1
    } else {
        log_err!("sl_forward_reply: forwarding the reply failed");
        -1
    }
}

pub(super) fn script_result(func: &str, r: Result<(), ReplyError>) -> c_int {
    match r {
        Ok(()) => 1,
        Err(ReplyError::NoReply) => {
            log_info!("{func}: message marked with no-reply flag");
            -2
        }
        Err(ReplyError::Sl(e)) => {
            log_err!("{func}: {e}; no reply sent");
            -1
        }
        Err(ReplyError::Send) => {
            log_err!("{func}: sending the reply failed");
            -1
        }
        Err(ReplyError::Tm) => {
            log_err!("{func}: tm could not send the reply");
            -1
        }
        Err(ReplyError::Busy) => {
            log_err!("{func}: called while another reply is being sent (from an sl event callback?); not sent");
            -1
        }
    }
}
