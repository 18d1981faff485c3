//! Safe wrappers over the host: logging, a borrowed message, the process-wide state.
use core::cell::UnsafeCell;
use core::ffi::{c_char, c_void, CStr};
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use super::shim::*;
use crate::module::{Module, ReplyError, Shared};
use crate::reply::dialog::Slot;

/// Logs one line through the host's logging, as written: [`log_at`] starts it with where it
/// comes from.
pub fn log(level: sl_shim_level, line: &str) {
    // SAFETY: `line` is valid for `len` bytes for the call; the shim copies it into the log.
    unsafe { sl_shim_log(level, line.as_ptr().cast(), line.len()) }
}

/// The name of the function a macro is expanded in (closures skipped): the `func()` of a log
/// line.
macro_rules! fn_name {
    () => {{
        fn here() {}
        fn type_name_of<T>(_: T) -> &'static str {
            core::any::type_name::<T>()
        }
        let path = type_name_of(here);
        path.strip_suffix("::here")
            .unwrap_or(path)
            .rsplit("::")
            .find(|s| *s != "{{closure}}")
            .unwrap_or(path)
    }};
}

// A line is formatted only when the host would print it: the ACK filter and the reply path
// log at debug level on every message. It reads as every module's lines do,
// `sl [file:line]: function(): text`, naming the Rust file, line and function it comes from.
macro_rules! log_at { ($level:expr, $($a:tt)*) => { if $crate::ffi::host::enabled($level) {
    $crate::ffi::host::log($level, &format!("sl [{}:{}]: {}(): {}", file!(), line!(), $crate::ffi::host::fn_name!(), format_args!($($a)*)))
} } }
macro_rules! log_err { ($($a:tt)*) => { $crate::ffi::host::log_at!($crate::ffi::shim::SL_SHIM_ERR, $($a)*) } }
macro_rules! log_info { ($($a:tt)*) => { $crate::ffi::host::log_at!($crate::ffi::shim::SL_SHIM_INFO, $($a)*) } }
macro_rules! log_dbg { ($($a:tt)*) => { $crate::ffi::host::log_at!($crate::ffi::shim::SL_SHIM_DBG, $($a)*) } }
pub(crate) use {fn_name, log_at, log_dbg, log_err, log_info};

/// Whether the host prints lines of `level` (its `debug` setting, per module).
pub fn enabled(level: sl_shim_level) -> bool {
    // SAFETY: reads the host's log level settings.
    unsafe { sl_shim_log_enabled(level) != 0 }
}

/// Borrows `(ptr, len)` from the host as bytes; empty for NULL.
///
/// # Safety
/// A non-NULL `ptr` must be valid for `len` bytes for `'a`.
pub unsafe fn host_bytes<'a>(ptr: *const c_char, len: usize) -> &'a [u8] {
    if ptr.is_null() {
        &[]
    } else {
        // SAFETY: valid for `len` bytes, as the caller guarantees.
        unsafe { core::slice::from_raw_parts(ptr.cast(), len) }
    }
}

/// Reads a script parameter's raw text (before fixup) for log lines.
///
/// # Safety
/// `param` must be NULL or point at NULL or at a NUL-terminated string.
pub unsafe fn raw_param(param: *mut *mut c_void) -> String {
    // SAFETY: as the caller guarantees.
    match unsafe { param.as_ref() }.filter(|p| !p.is_null()) {
        // SAFETY: before fixup the host passes the parameter as a NUL-terminated string.
        Some(&p) => unsafe { CStr::from_ptr(p.cast()) }
            .to_string_lossy()
            .into_owned(),
        None => String::new(),
    }
}

/// State made in `mod_init`, before the workers fork, read-only afterwards.
/// (std's `OnceLock` does what `once_cell::sync::OnceCell` did, so no extra crate.)
pub struct Global {
    pub module: Module<'static>,
    /// The ACK window and the counters, in shared memory: every worker sees the same ones.
    pub shared: SharedBlock,
    pub default_code: u16,
    pub default_reason: Box<[u8]>,
    pub host_config: HostConfig,
}

/// The host's bits in a message's flags word that differ by version (0: this host has none),
/// read once in `mod_init`.
pub struct HostConfig {
    /// The script asks for extra first-Via parameters (6.0's FL_ADD_XAVP_VIA_REPLY_PARAMS).
    pub via_params_flag: u64,
    /// A final reply went out (6.0's FL_FINAL_REPLY; tm reads it too).
    pub final_reply_flag: u64,
    /// tm delayed its reply (6.0's FL_DELAYED_REPLY).
    pub delayed_reply_flag: u64,
}

pub static GLOBAL: OnceLock<Global> = OnceLock::new();

/// The module's [`Shared`] state in the host's shared memory, allocated before the fork, and
/// after it the in-dialog ACK table's slots (none unless `absorb_dialog_acks` is on).
///
/// # Invariants
/// `ptr` points at a live, aligned, initialised `Shared` in shm, followed by `slots`
/// initialised [`Slot`]s, until `mod_destroy`.
pub struct SharedBlock {
    ptr: NonNull<Shared>,
    slots: usize,
}

/// Where the slots start after the `Shared` block (aligned for them).
const SLOTS_AT: usize =
    core::mem::size_of::<Shared>().next_multiple_of(core::mem::align_of::<Slot>());

// SAFETY: the pointee is only atomics, in memory shared by the processes; all access is atomic.
unsafe impl Send for SharedBlock {}
// SAFETY: as above.
unsafe impl Sync for SharedBlock {}

impl SharedBlock {
    /// Allocates and initialises the block with `slots` table slots; `None` when shared memory
    /// has no room for it.
    pub fn new(slots: usize) -> Option<SharedBlock> {
        const { assert!(core::mem::align_of::<Shared>() <= 8 && core::mem::align_of::<Slot>() <= 8) };
        let size = core::mem::size_of::<Slot>()
            .checked_mul(slots)?
            .checked_add(SLOTS_AT)?;
        // SAFETY: plain allocation; shm_malloc returns memory aligned to 8 (or more), or NULL.
        let p = unsafe { sl_shim_shm_malloc(size) }.cast::<Shared>();
        let ptr = NonNull::new(p)?;
        // SAFETY: freshly allocated, aligned, `size` bytes; nobody else sees it yet. The slots
        // start at an offset aligned for them, inside the allocation.
        unsafe {
            ptr.as_ptr().write(Shared::default());
            let first = ptr.as_ptr().cast::<u8>().add(SLOTS_AT).cast::<Slot>();
            for i in 0..slots {
                first.add(i).write(Slot::default());
            }
        }
        Some(SharedBlock { ptr, slots })
    }

    pub fn get(&self) -> &Shared {
        // SAFETY: live until `free`, which the host calls only at shutdown (type invariant).
        unsafe { self.ptr.as_ref() }
    }

    /// The in-dialog ACK table's slots, for the process's life (the block is freed at shutdown,
    /// after the last request).
    pub fn slots(&self) -> &'static [Slot] {
        // SAFETY: initialised in `new` and live until `free` (type invariant); only atomics.
        unsafe {
            core::slice::from_raw_parts(
                self.ptr.as_ptr().cast::<u8>().add(SLOTS_AT).cast::<Slot>(),
                self.slots,
            )
        }
    }

    /// Returns the memory to the host at shutdown.
    pub fn free(&self) {
        // SAFETY: allocated by shm_malloc in `new`; the host calls mod_destroy once, at the end.
        unsafe { sl_shim_shm_free(self.ptr.as_ptr().cast()) }
    }
}

/// Kamailio's `BUF_SIZE`: the largest message it builds or a UDP datagram can carry.
pub const REPLY_BUF_SIZE: usize = 65535 + 1; // and the NUL after the reply

/// This process's reply buffer: a static, so a reply costs no allocation and no thread-local
/// lookup. Kamailio runs its workers as single-threaded processes, each with its own copy of
/// the static after the fork (only the pages a reply touches are ever made).
struct ReplyBuf(UnsafeCell<[u8; REPLY_BUF_SIZE]>);

// SAFETY: the buffer is reached only through `with_reply_buf`, which `IN_USE` makes exclusive.
unsafe impl Sync for ReplyBuf {}

static REPLY_BUF: ReplyBuf = ReplyBuf(UnsafeCell::new([0; REPLY_BUF_SIZE]));
static IN_USE: AtomicBool = AtomicBool::new(false);

/// Runs `f` with this process's reply buffer. While it is in use, a nested request for a reply
/// (from a KEMI event callback or another module's reply callback, run while a reply is sent;
/// or from another thread) gets `ReplyError::Busy`.
pub fn with_reply_buf<R>(
    f: impl FnOnce(&mut [u8]) -> Result<R, ReplyError>,
) -> Result<R, ReplyError> {
    /// Frees the buffer when `f` returns or unwinds.
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            IN_USE.store(false, Ordering::Release);
        }
    }
    if IN_USE.swap(true, Ordering::Acquire) {
        return Err(ReplyError::Busy);
    }
    let _release = Release;
    // SAFETY: `IN_USE` was false and is now ours: no other reference to the buffer exists
    // until `_release` drops.
    f(unsafe { &mut *REPLY_BUF.0.get() })
}

/// A message the host lent for one call (`'a`, which [`msg_entry!`] ends with the call). A
/// pointer rather than a `&'a sip_msg`: the host changes the message during the call (its
/// parser appends headers, a send sets flags), so Rust holds no reference across a host call;
/// each read goes through the pointer ([`super::msg`]).
///
/// # Invariants
/// `msg` is a valid `struct sip_msg` for `'a`.
#[repr(transparent)]
pub struct Msg<'a> {
    msg: NonNull<sip_msg>,
    _call: PhantomData<&'a mut sip_msg>,
}

impl<'a> Msg<'a> {
    /// # Safety
    /// `msg` must be NULL or a message the host passed to this call, valid for `'a`.
    pub unsafe fn from_raw(msg: *mut sip_msg) -> Option<Msg<'a>> {
        NonNull::new(msg).map(|msg| Msg {
            msg,
            _call: PhantomData,
        })
    }

    pub fn raw(&self) -> *mut sip_msg {
        self.msg.as_ptr()
    }
}

/// Defines an `extern "C"` function the host calls with a message, as its body alone: the body
/// runs behind [`crate::guard::ffi_guard`] (named `$label` in the panic line and in
/// `SL_RS_PANIC`), with `$m: Msg` borrowed for the call and `$g`, the module's state; a panic,
/// a NULL message or a call before `mod_init` returns `$err`.
macro_rules! msg_entry {
    ($(#[$doc:meta])* fn $name:ident($label:literal, $err:expr; $m:ident, $g:ident
        $(, $arg:ident: $ty:ty)* $(,)?) -> c_int $body:block) => {
        $(#[$doc])*
        pub(super) extern "C" fn $name(
            msg: *mut $crate::ffi::shim::sip_msg $(, $arg: $ty)*
        ) -> c_int {
            $crate::guard::ffi_guard($label, $err, || {
                // SAFETY: the host passes the message it is handling, valid for this call,
                // which the closure does not outlive.
                let Some(mut $m) = (unsafe { $crate::ffi::host::Msg::from_raw(msg) }) else {
                    return $err;
                };
                let Some($g) = $crate::ffi::host::GLOBAL.get() else {
                    return $err;
                };
                #[allow(unused_mut)]
                let $m = &mut $m;
                $body
            })
        }
    };
}
pub(crate) use msg_entry;
