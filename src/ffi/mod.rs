//! The Kamailio edge: everything that touches host pointers lives below this module.
//! - `shim`: the contract with the C shim, generated from `c_shim/sl_shim.h` (both ways).
//! - `sys`: bindgen's types of the host's parsed message and script parameters.
//! - `host`: the borrowed message (`Msg`), the entry macro, logging, the process-wide state.
//! - `msg`: Rust's reads and writes of `struct sip_msg`.
//! - `param`: the script functions' parameters, literals read in place.
//! - `init`, `fixup`, `script`: what the host calls (life cycle, script parameter fixups,
//!   per-request functions), each behind the panic guard.
//! - `api`: what other modules, KEMI, `$ltt`, the statistics and RPC call.
//! - `exports`: the `dlsym` roots and the table of Rust functions the shim calls.
//!
//! # Who reads `struct sip_msg`
//! Rust reads and sets the fields its decisions use, through bindgen's layout (`msg.rs`): the
//! first line, the header list, the first Via, To and Call-ID, the flags word (no-reply,
//! 6.0's reply marks, the Via-parameters flag, force_rport), the reply lumps, the source
//! address and protocol, the reply send flags. The shim (C) runs host code, and reads a field
//! only as the argument of the host code it runs in the same function: the destination of a
//! send, the core's `received_test`, `ip_addr2sbuf` (IPv6 follows the core's
//! `ipv6_hex_style`; Rust writes IPv4, which has one form), the Warning line, a forwarded
//! reply's status, xhttp's CSeq. One exception, for speed: the pre-script callback compares
//! the method in C, the one test every request pays; Rust's side runs for ACKs only.
mod api;
mod exports;
mod fixup;
mod host;
mod init;
mod msg;
mod param;
mod script;
mod shim;
mod sys;
