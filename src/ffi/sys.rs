//! Rust types of the host's parsed message and of the script parameters our fixups make, from
//! bindgen over the host's own headers with the host's defines (`c_shim/msg_types.h`,
//! build.rs). `mod_init` checks their sizes against the shim's C compiler ([`layout_matches`]).
#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    clippy::all
)]

use super::shim::{sl_shim_sizeof_fparam, sl_shim_sizeof_sip_msg};

include!(concat!(env!("OUT_DIR"), "/msg_bindings.rs"));

/// Whether bindgen's `struct sip_msg` and `fparam_t` have the sizes the shim's compiler gives
/// them (a mismatch would mean other defines, so other field offsets).
pub fn layout_matches() -> bool {
    // SAFETY: plain calls.
    unsafe {
        core::mem::size_of::<sip_msg>() == sl_shim_sizeof_sip_msg()
            && core::mem::size_of::<fparam>() == sl_shim_sizeof_fparam()
    }
}
