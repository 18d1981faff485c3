//! sl-rs: Kamailio's stateless-reply module (`sl`) in Rust.
//!
//! Layers, each using only the ones below it:
//! - [`sip`]: zero-copy reading of what a reply needs from a request (pure, no `unsafe`).
//! - [`reply`]: reply building, To-tag signature, ACK decision, error map (pure).
//! - [`module`]: one request's work over the [`module::Host`] trait (pure, testable).
//! - [`fuzzing`]: the properties the fuzz targets in `fuzz/` check (pure).
//! - `capi` (feature `capi`): the C API in `include/sl_rs.h`, for C programs and the C test
//!   harness; not in the module build, which exports only what Kamailio looks up.
//! - `ffi` (feature `kamailio`): the Kamailio edge: the `exports` table roots, the
//!   `extern "C"` entry points the host calls, and the `Host` implementation over the C shim
//!   in `c_shim/`. The only place that touches host pointers.
//!
//! Every `extern "C"` entry runs its body through [`guard::ffi_guard`], so a panic becomes the
//! host's error value and a log line instead of a dead worker (which stops all of Kamailio).

#[cfg(feature = "capi")]
pub mod capi;
pub mod fuzzing;
pub mod guard;
pub mod module;
pub mod reply;
pub mod sip;
pub mod stats;

#[cfg(feature = "kamailio")]
mod ffi;
