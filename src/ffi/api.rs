//! What other parts of Kamailio call besides the script functions: the `bind_sl` API and
//! KEMI (whose C tables live in the shim and land here), `$ltt`, the statistics and
//! `sl.stats`.
use core::cell::Cell;
use core::ffi::{c_char, c_int, c_long, c_ulong};

use super::host::{host_bytes, log_err, msg_entry, GLOBAL};
use super::script::{forward_reply, stateless, tm_or_stateless, validated};
use super::shim::*;
use crate::guard::ffi_guard;
use crate::module::{Answer, Host};
use crate::reply::totag::TOTAG_LEN;
use crate::stats::{RPC_FIELDS, STATS};

/// Text another module passed: some pass C strings with the NUL counted in the length, which
/// native tolerates, so one trailing NUL is dropped.
///
/// # Safety
/// A non-NULL `s` must be valid for `len` bytes for `'a`.
unsafe fn api_text<'a>(s: *const c_char, len: usize) -> &'a [u8] {
    // SAFETY: as the caller guarantees.
    let t = unsafe { host_bytes(s, len) };
    t.strip_suffix(b"\0").unwrap_or(t)
}

msg_entry! {
    /// The API's `zreply`, `sreply` and `dreply` (and KEMI `sl_send_reply`): a stateless
    /// reply, with `tag` as To-tag when given.
    fn api_reply("sl API reply", -1; m, g,
        code: c_int, reason: *const c_char, rlen: usize, tag: *const c_char, tlen: usize) -> c_int {
        // SAFETY: borrowed from the calling module for this call.
        let reason = unsafe { api_text(reason, rlen) };
        let (code, reason) = match validated("sl reply", code.into(), reason) {
            Ok(v) => v,
            Err(r) => return r,
        };
        // SAFETY: as above.
        let tag = (!tag.is_null()).then(|| unsafe { api_text(tag, tlen) });
        if let Some(t) = tag.filter(|t| !t.iter().all(u8::is_ascii_graphic)) {
            log_err!(
                "sl reply: To-tag \"{}\" is not a token; no reply sent",
                String::from_utf8_lossy(t).escape_debug()
            );
            return -1;
        }
        let answer = Answer::new(code, reason);
        let answer = tag.map_or(answer, |t| answer.with_tag(t));
        stateless("sl reply", g, m, answer)
    }
}

msg_entry! {
    /// The API's `freply` and KEMI `send_reply`/`send_reply_mode`.
    fn api_send_reply("send_reply", -1; m, g,
        code: c_int, reason: *const c_char, rlen: usize, mode: c_int) -> c_int {
        // SAFETY: borrowed from the caller for this call.
        let reason = unsafe { api_text(reason, rlen) };
        match validated("send_reply", code.into(), reason) {
            Ok((code, reason)) => tm_or_stateless(g, m, code, reason, mode),
            Err(r) => r,
        }
    }
}

msg_entry! {
    /// KEMI `sl_forward_reply(code, reason)`; empty strings keep the received values.
    fn api_forward_reply("sl_forward_reply", -1; m, _g,
        code: *const c_char, clen: usize, reason: *const c_char, rlen: usize) -> c_int {
        // SAFETY: borrowed from the caller for this call.
        let (code, reason) = unsafe { (host_bytes(code, clen), host_bytes(reason, rlen)) };
        forward_reply(m, code, reason)
    }
}

thread_local! {
    /// The last stateless To-tag handed out; like native's static tag buffer, it stays valid
    /// until the next call in this process.
    static TOTAG: Cell<[u8; TOTAG_LEN]> = const { Cell::new([0; TOTAG_LEN]) };
}

msg_entry! {
    /// The local To-tag (`$ltt`, the API's `get_reply_totag`, KEMI `get_reply_totag`).
    fn reply_totag("get_reply_totag", -1; m, g,
        key: sl_shim_totag, s: *mut *const c_char, len: *mut usize) -> c_int {
        if s.is_null() || len.is_null() {
            return -1;
        }
        let (p, n) = match key {
            SL_SHIM_TOTAG_TM | SL_SHIM_TOTAG_AUTO if m.in_transaction() => {
                let (mut p, mut n) = (core::ptr::null(), 0);
                // SAFETY: valid message; the tag lives in the transaction.
                if unsafe { sl_shim_tm_totag(m.raw(), &mut p, &mut n) } < 0 {
                    return -1;
                }
                (p, n)
            }
            SL_SHIM_TOTAG_STATELESS | SL_SHIM_TOTAG_AUTO => match g.module.stateless_to_tag(m) {
                Ok(tag) => TOTAG.with(|t| {
                    t.set(tag);
                    (t.as_ptr().cast::<c_char>().cast_const(), TOTAG_LEN)
                }),
                Err(e) => {
                    log_err!("sl-rs: no local To-tag for this request: {e}");
                    return -1;
                }
            },
            _ => return -1,
        };
        // SAFETY: checked non-NULL above; the caller's outputs.
        unsafe {
            *s = p;
            *len = n;
        }
        0
    }
}

/// `$ltt(key)`: x (auto), s (stateless), t (transaction).
pub(super) extern "C" fn ltt_key(s: *const c_char, len: usize) -> c_int {
    ffi_guard("$ltt", -1, || {
        // SAFETY: the name the script gave, valid for `len` bytes.
        match unsafe { host_bytes(s, len) } {
            b"x" => SL_SHIM_TOTAG_AUTO as c_int,
            b"s" => SL_SHIM_TOTAG_STATELESS as c_int,
            b"t" => SL_SHIM_TOTAG_TM as c_int,
            other => {
                log_err!(
                    "$ltt({}): unknown key; use x (auto), s (stateless) or t (transaction)",
                    String::from_utf8_lossy(other)
                );
                -1
            }
        }
    })
}

/// Statistic `index` of [`STATS`], as registered in `mod_init`.
pub(super) extern "C" fn stat(index: c_int) -> c_long {
    ffi_guard("statistics", 0, || {
        let (Some(g), Some((_, stat))) = (GLOBAL.get(), STATS.get(index as usize)) else {
            return 0;
        };
        c_long::try_from(g.shared.get().counters.value(*stat)).unwrap_or(c_long::MAX)
    })
}

/// Field `index` of `sl.stats`.
pub(super) extern "C" fn rpc_field(
    index: c_int,
    name: *mut *const c_char,
    value: *mut c_ulong,
) -> c_int {
    ffi_guard("sl.stats", -1, || {
        let (Some(g), Some((n, c))) = (GLOBAL.get(), RPC_FIELDS.get(index as usize)) else {
            return -1;
        };
        if name.is_null() || value.is_null() {
            return -1;
        }
        // The shim prints it as the host's own sl does (5.6: an int, saturated here).
        let v = c_ulong::try_from(g.shared.get().counters.get(*c)).unwrap_or(c_ulong::MAX);
        // SAFETY: checked non-NULL; the caller's outputs; the name is 'static.
        unsafe {
            *name = n.as_ptr();
            *value = v;
        }
        0
    })
}
