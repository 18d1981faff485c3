//! The `extern "C"` functions Kamailio calls. Each body is one call to `ffi_guard`, which turns
//! a panic into the host's error value (-1 for script functions and init, "pass" for the ACK
//! filter) and a log line.
use core::ffi::{c_char, c_int, c_uint, c_void};

use super::host::{
    host_bytes, log, log_dbg, log_err, log_info, raw_param, with_reply_buf, Global, Msg, SharedU32,
    GLOBAL,
};
use super::shim::*;
use crate::guard::{ffi_guard, set_report_sink, test_panic_point};
use crate::module::{Module, ReplyError};
use crate::reply::ack::AckDecision;
use crate::reply::totag::{Signature, SL_SEED};
use crate::reply::{check_code, check_reason};

/// Native sl's `SL_RPL_WAIT_TIME`: how long after a reply to an INVITE its ACK is looked for.
const ACK_WINDOW_SECONDS: c_uint = 2;

fn report_panic(text: &str) {
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

fn mod_init() -> Result<(), String> {
    set_report_sink(report_panic);
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
    // SAFETY: plain calls into the host's timer.
    let (now, window) = unsafe { (sl_shim_ticks(), sl_shim_s_to_ticks(ACK_WINDOW_SECONDS)) };
    let ack_deadline = SharedU32::new(now).ok_or("no shared memory for the ACK window stamp")?;
    // SAFETY: registers our filter; the host calls it for every request before the script.
    if unsafe { sl_shim_register_ack_filter() } < 0 {
        ack_deadline.free();
        return Err("cannot register the ACK filter script callback".into());
    }
    let global = Global {
        module: Module {
            signature,
            ack_window: window,
        },
        ack_deadline,
        default_code,
        default_reason: reason.into(),
    };
    GLOBAL
        .set(global)
        .map_err(|_| "mod_init ran twice".to_string())
}

/// `child_init`: per process, after the fork; makes this process's reply buffer.
#[no_mangle]
pub extern "C" fn sl_rs_child_init(_rank: c_int) -> c_int {
    ffi_guard("child_init", -1, || {
        with_reply_buf(|b| if b.is_empty() { -1 } else { 0 })
    })
}

/// `mod_destroy`: at shutdown, in the main process.
#[no_mangle]
pub extern "C" fn sl_rs_mod_destroy() {
    ffi_guard("mod_destroy", (), || {
        if let Some(g) = GLOBAL.get() {
            g.ack_deadline.free();
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
        let (Some(msg), Some(g)) = (unsafe { Msg::from_raw(msg) }, GLOBAL.get()) else {
            return 1;
        };
        let buf = crate::module::Host::msg(&msg);
        let now = crate::module::Host::ticks(&msg);
        match g.module.filter_ack(buf, now, g.ack_deadline.get()) {
            Ok(AckDecision::Absorb) => {
                log_dbg!("sl-rs: ACK to a local stateless reply absorbed");
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
        let mut v = 0;
        // SAFETY: `code` is the fparam_t our fixup made; the message is valid.
        let code = if unsafe { sl_shim_get_int(msg, code.cast(), &mut v) } < 0 {
            i64::from(g.default_code)
        } else {
            i64::from(v)
        };
        let code = match check_code(code) {
            Ok(c) => c,
            Err(e) => {
                log_err!("sl_send_reply: {e}; no reply sent");
                return -1;
            }
        };
        let (mut s, mut len) = (core::ptr::null(), 0);
        // SAFETY: `reason` is the fparam_t our fixup made; the result lives for this call.
        let reason = if unsafe { sl_shim_get_str(msg, reason.cast(), &mut s, &mut len) } < 0 {
            &g.default_reason[..]
        } else {
            // SAFETY: valid for `len` bytes for this call.
            unsafe { host_bytes(s, len) }
        };
        if let Err(e) = check_reason(reason) {
            log_err!(
                "sl_send_reply({code}, \"{}\"): {e}; no reply sent",
                String::from_utf8_lossy(reason).escape_debug()
            );
            return -1;
        }
        test_panic_point(reason);
        let r = with_reply_buf(|buf| {
            g.module
                .send_reply(&mut m, g.ack_deadline.get(), buf, code, reason)
        });
        script_result("sl_send_reply", r.map(|_| ()))
    })
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
        let r = with_reply_buf(|buf| g.module.reply_error(&mut m, g.ack_deadline.get(), buf, err));
        if r.is_ok() {
            log_err!("sl-rs: stateless error reply used for internal error {err}");
        }
        script_result("sl_reply_error", r.map(|_| ()))
    })
}

fn script_result(func: &str, r: Result<(), ReplyError>) -> c_int {
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
    }
}
