//! The script functions' parameters as our fixups leave them: the host's `fparam_t`. A literal
//! (the usual `sl_send_reply("404", "Not Found")`) is read in place, a few loads and no call;
//! only a variable goes through the core's evaluation.
use core::ffi::{c_char, c_int, c_void};

use super::host::{host_bytes, Msg};
use super::shim::{sl_shim_get_int, sl_shim_get_str};
use super::sys;

/// The literal of an integer parameter, if it is one.
///
/// # Safety
/// `p` is NULL or a `fparam_t` our fixup made.
pub(super) unsafe fn int_literal(p: *const c_void) -> Option<c_int> {
    let p = p.cast::<sys::fparam>();
    // SAFETY: as the caller guarantees; `v.i` is the arm the host filled for FPARAM_INT.
    unsafe { (!p.is_null() && (*p).type_ == sys::FPARAM_INT as c_int).then(|| (*p).v.i) }
}

/// The literal of a string parameter, if it is one (it lives as long as the configuration).
///
/// # Safety
/// `p` is NULL or a `fparam_t` our fixup made.
pub(super) unsafe fn str_literal<'a>(p: *const c_void) -> Option<&'a [u8]> {
    let p = p.cast::<sys::fparam>();
    // SAFETY: as the caller guarantees; `v.str` is the arm the host filled for FPARAM_STR,
    // valid for its length (a negative one reads as empty).
    unsafe {
        (!p.is_null() && (*p).type_ == sys::FPARAM_STR as c_int).then(|| {
            let s = (*p).v.str_;
            host_bytes(s.s, usize::try_from(s.len).unwrap_or(0))
        })
    }
}

/// The value of an integer parameter for this message, or `default` when it has none (an
/// unset variable), as native falls back.
///
/// # Safety
/// `p` is the fparam_t our fixup made.
pub(super) unsafe fn int_param(msg: &Msg<'_>, p: *mut c_char, default: c_int) -> c_int {
    // SAFETY: as the caller guarantees.
    if let Some(v) = unsafe { int_literal(p.cast()) } {
        return v;
    }
    let mut v = 0;
    // SAFETY: as the caller guarantees.
    match unsafe { sl_shim_get_int(msg.raw(), p.cast(), &mut v) } {
        r if r < 0 => default,
        _ => v,
    }
}

/// The value of a string parameter for this message and whether it is the literal (checked
/// by the fixup when Kamailio started); `None` when it has none.
///
/// # Safety
/// `p` is the fparam_t our fixup made. The value is valid for this call.
pub(super) unsafe fn str_param<'a>(msg: &Msg<'_>, p: *mut c_char) -> Option<(&'a [u8], bool)> {
    // SAFETY: as the caller guarantees.
    if let Some(s) = unsafe { str_literal(p.cast()) } {
        return Some((s, true));
    }
    let (mut s, mut len) = (core::ptr::null(), 0);
    // SAFETY: as the caller guarantees; the shim writes `s` and `len` when it returns 0.
    if unsafe { sl_shim_get_str(msg.raw(), p.cast(), &mut s, &mut len) } < 0 {
        return None;
    }
    // SAFETY: the value the shim wrote, valid for `len` bytes during this call.
    Some((unsafe { host_bytes(s, len) }, false))
}
