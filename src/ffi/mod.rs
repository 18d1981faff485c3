//! The Kamailio edge: everything that touches host pointers lives below this module.
//! - `shim`: declarations of the C shim (`c_shim/sl_shim.h`).
//! - `host`: safe wrappers over a message and the module's process state.
//! - `sys`: bindgen's types of the host's parsed message and script parameters.
//! - `msg`: the read-only view of what the core's parser already split of a message.
//! - `param`: the script functions' parameters, literals read in place.
//! - `init`, `fixup`, `script`: the `extern "C"` functions the host calls (life cycle, script
//!   parameter fixups, per-request functions), each behind the panic guard.
//! - `api`: what other modules, KEMI, `$ltt`, the statistics and RPC call.
//! - `exports`: the `dlsym` roots (`exports`, `module_version`, `module_flags`).
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
