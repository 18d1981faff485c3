//! The module's life cycle, as Kamailio drives it: `mod_init` once in the main process before
//! the workers fork (parameters checked, shared memory made, callbacks registered),
//! `child_init` per process, `mod_destroy` at shutdown. Each body runs behind `ffi_guard`.
use core::ffi::{c_int, c_uint};

use super::host::{host_bytes, log_dbg, log_err, Global, HostConfig, SharedBlock, GLOBAL};
use super::shim::*;
use crate::guard::ffi_guard;
use crate::module::Module;
use crate::reply::dialog::{DialogAcks, WAYS};
use crate::reply::totag::{Signature, SL_SEED};
use crate::reply::{check_code, check_reason, ViaLayout};
use crate::sip::ParserMode;
use crate::stats::STATS;

/// Native sl's `SL_RPL_WAIT_TIME`: how long after a reply to an INVITE its ACK is looked for.
const ACK_WINDOW_SECONDS: c_uint = 2;
/// `dialog_ack_entries`' range: at least one bucket; at most 1M entries (272 MB of shared
/// memory, far more than a 2-second window of re-INVITE rejects needs).
const DIALOG_ENTRIES_MIN: c_int = WAYS as c_int;
const DIALOG_ENTRIES_MAX: c_int = 1 << 20;

pub(super) fn report_panic(text: &str) {
    log_err!("{text}");
}

/// `mod_init`: runs once in the main process, before the workers fork.
pub(super) extern "C" fn mod_init() -> c_int {
    ffi_guard("mod_init", -1, || match init() {
        Ok(()) => 0,
        Err(e) => {
            log_err!("sl-rs: module initialisation failed: {e}");
            -1
        }
    })
}

/// Reads and checks the module parameters; the error names the parameter and its value.
/// The module parameters, checked: the default code and reason, and the in-dialog ACK table's
/// slots (0 when `absorb_dialog_acks` is off).
fn params() -> Result<(u16, &'static [u8], usize), String> {
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
    // SAFETY: as above.
    let absorb = unsafe { sl_shim_param_absorb_dialog_acks() };
    if !(0..=1).contains(&absorb) {
        return Err(format!(
            "modparam(\"sl\", \"absorb_dialog_acks\", {absorb}): must be 0 or 1"
        ));
    }
    // SAFETY: as above.
    let entries = unsafe { sl_shim_param_dialog_ack_entries() };
    if !(DIALOG_ENTRIES_MIN..=DIALOG_ENTRIES_MAX).contains(&entries) {
        return Err(format!(
            "modparam(\"sl\", \"dialog_ack_entries\", {entries}): must be {DIALOG_ENTRIES_MIN} to {DIALOG_ENTRIES_MAX}"
        ));
    }
    let slots = if absorb == 1 { entries as usize } else { 0 };
    Ok((default_code, reason, slots))
}

fn init() -> Result<(), String> {
    if !super::sys::layout_matches() {
        return Err("this build's struct sip_msg or fparam_t layout differs from the host's (built with other headers or defines?)".into());
    }
    let (default_code, reason, dialog_slots) = params()?;
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
    let shared = SharedBlock::new(dialog_slots).ok_or_else(|| {
        format!("no shared memory for the statistics, the ACK window and {dialog_slots} in-dialog ACK entries")
    })?;
    if let Err(e) = register(&shared) {
        shared.free();
        return Err(e);
    }
    // SAFETY: a constant of the shim, which names what differs between host versions.
    let features = unsafe { sl_shim_host_features() };
    let global = Global {
        module: Module {
            signature,
            ack_window: window,
            via_layout: if features & SL_SHIM_VIA_AFTER_RPORT_OR_BRANCH != 0 {
                ViaLayout::AfterRportOrBranch
            } else {
                ViaLayout::AtEnd
            },
            reply_marks: features & SL_SHIM_REPLY_MARKS != 0,
            empty_reason_refused: features & SL_SHIM_EMPTY_REASON_REFUSED != 0,
            // Read once: the core sets it from the config, before any module starts.
            // SAFETY: reads a core global.
            parser_mode: if unsafe { sl_shim_parser_strict() } != 0 {
                ParserMode::Strict
            } else {
                ParserMode::Lenient
            },
            // The core's settings, fixed once the configuration is read.
            server_header: {
                let mut len = 0;
                // SAFETY: a core global set at start-up, valid for the process's life.
                let p = unsafe { sl_shim_server_hdr(&mut len) };
                // SAFETY: valid for `len` bytes when non-NULL, for the process's life.
                (!p.is_null()).then(|| unsafe { host_bytes(p, len) })
            },
            // SAFETY: reads a core global.
            sip_warning: unsafe { sl_shim_sip_warning() } != 0,
            dialog_acks: DialogAcks::new(shared.slots()),
        },
        shared,
        default_code,
        default_reason: reason.into(),
        host_config: {
            let (mut final_reply_flag, mut delayed_reply_flag) = (0, 0);
            // SAFETY: constants of the shim; it writes both outputs.
            unsafe { sl_shim_reply_mark_flags(&mut final_reply_flag, &mut delayed_reply_flag) };
            HostConfig {
                // SAFETY: a constant of the shim.
                via_params_flag: unsafe { sl_shim_via_params_flag() },
                final_reply_flag,
                delayed_reply_flag,
            }
        },
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
/// there and the workers inherit it), then per process.
pub(super) extern "C" fn child_init(_rank: c_int) -> c_int {
    ffi_guard("child_init", -1, || {
        // tm is bound here, not in mod_init: there, tm may not be initialised yet (if loaded
        // after sl) and its API refuses with an error line. A no-op once bound.
        // SAFETY: plain call.
        if unsafe { sl_shim_tm_bind() } == 0 {
            log_dbg!("sl-rs: tm not bound: send_reply() answers statelessly");
        }
        // SAFETY: plain call, after every module's mod_init.
        unsafe { sl_shim_child_init() };
        0
    })
}

/// `mod_destroy`: at shutdown, in the main process.
pub(super) extern "C" fn mod_destroy() {
    ffi_guard("mod_destroy", (), || {
        // SAFETY: at shutdown nothing runs the callbacks any more.
        unsafe { sl_shim_destroy_callbacks() };
        if let Some(g) = GLOBAL.get() {
            g.shared.free();
        }
    })
}
