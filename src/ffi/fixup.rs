//! The fixups of the script functions: run while Kamailio reads the configuration, they turn
//! each parameter into the host's fixed-up form and refuse, naming the call, a literal code or
//! reason a reply could never carry. Each body runs behind `ffi_guard`.
use core::ffi::{c_int, c_void};

use super::host::{host_bytes, log_err, raw_param};
use super::param::{int_literal, str_literal};
use super::shim::*;
use crate::guard::ffi_guard;
use crate::reply::forward;
use crate::reply::{check_code, check_reason};

/// Fixup of `sl_send_reply(code, reason)`: literals are checked when Kamailio starts.
pub(super) extern "C" fn fixup_sl_send_reply(param: *mut *mut c_void, param_no: c_int) -> c_int {
    ffi_guard("sl_send_reply fixup", -1, || {
        fixup_reply("sl_send_reply", param, param_no)
    })
}

/// Fixup of `sl_reply(code, reason)`, the alias.
pub(super) extern "C" fn fixup_sl_reply(param: *mut *mut c_void, param_no: c_int) -> c_int {
    ffi_guard("sl_reply fixup", -1, || {
        fixup_reply("sl_reply", param, param_no)
    })
}

/// Fixup of `send_reply(code, reason)`.
pub(super) extern "C" fn fixup_send_reply(param: *mut *mut c_void, param_no: c_int) -> c_int {
    ffi_guard("send_reply fixup", -1, || {
        fixup_reply("send_reply", param, param_no)
    })
}

/// Fixup of `send_reply_mode(code, reason, mode)`: mode is 0 to 3.
pub(super) extern "C" fn fixup_send_reply_mode(param: *mut *mut c_void, param_no: c_int) -> c_int {
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
        // SAFETY: `*param` now holds the host's fparam_t.
        if unsafe { int_literal(*param) }.is_some_and(|v| !(0..=3).contains(&v)) {
            log_err!("send_reply_mode(..., ..., \"{raw}\"): the mode must be 0 to 3 (1 no connect, 2 close)");
            return -1;
        }
        0
    })
}

/// Fixup of `sl_forward_reply([code[, reason]])`: strings or variables; literals checked.
pub(super) extern "C" fn fixup_sl_forward_reply(param: *mut *mut c_void, param_no: c_int) -> c_int {
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
            // SAFETY: `*param` now holds the host's fparam_t.
            if let Some(v) = unsafe { int_literal(*param) } {
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
            // SAFETY: `*param` now holds the host's fparam_t; its string lives for the process.
            if let Some(lit) = unsafe { str_literal(*param) } {
                if let Err(e) = check_reason(lit) {
                    log_err!("{func}(..., \"{}\"): {e}", raw.escape_debug());
                    return -1;
                }
            }
            0
        }
        _ => 0,
    }
}
