//! The panic boundary every `extern "C"` entry goes through.
//!
//! A panic must never unwind into C (undefined behaviour) or abort (a dead Kamailio worker
//! makes the main process stop the whole server). [`ffi_guard`] catches it in its own frame,
//! turns it into the caller's error value and reports it once through the installed sink.
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;

/// Where panic reports go: the host's log when loaded by Kamailio; nowhere otherwise, since the
/// C API reports a panic through its return value.
static SINK: OnceLock<fn(&str)> = OnceLock::new();
static HOOK: OnceLock<()> = OnceLock::new();

thread_local! {
    /// The last panic's message and location, recorded by the hook, read by the guard.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Sets where panic reports go; the first call wins (it is made once, in `mod_init`).
pub fn set_report_sink(sink: fn(&str)) {
    let _ = SINK.set(sink);
}

/// Runs `body`; on panic returns `on_panic` and reports `entry` with the panic's message.
pub fn ffi_guard<R>(entry: &str, on_panic: R, body: impl FnOnce() -> R) -> R {
    // The default hook prints to stderr, which Kamailio may have closed; record instead.
    HOOK.get_or_init(|| {
        panic::set_hook(Box::new(|info| {
            let msg = format!("{info}");
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
        }))
    });
    match run_caught(|| {
        injected_panic(entry);
        body()
    }) {
        Ok(r) => r,
        Err(()) => {
            let msg = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_default();
            if let Some(sink) = SINK.get() {
                sink(&format!(
                    "sl-rs: panic caught in {entry}, returning an error: {msg}"
                ));
            }
            on_panic
        }
    }
}

#[inline(never)]
fn run_caught<R>(body: impl FnOnce() -> R) -> Result<R, ()> {
    panic::catch_unwind(AssertUnwindSafe(body)).map_err(drop)
}

/// Test-only fault injection at every entry: with the `panic-test` feature, the entries named
/// in the environment variable `SL_RS_PANIC` (comma-separated, e.g. `sl_send_reply,ACK filter`)
/// panic on their first call in each process, inside the guard. Tests start Kamailio with it
/// to prove that each entry's panic becomes its error value and the next call works.
#[inline]
fn injected_panic(entry: &str) {
    #[cfg(feature = "panic-test")]
    {
        static FIRED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        let Ok(list) = std::env::var("SL_RS_PANIC") else {
            return;
        };
        if list.split(',').any(|e| e == entry) {
            let mut fired = FIRED.lock().unwrap_or_else(|e| e.into_inner());
            if !fired.iter().any(|e| e == entry) {
                fired.push(entry.to_string());
                drop(fired);
                panic!("forced by SL_RS_PANIC");
            }
        }
    }
    #[cfg(not(feature = "panic-test"))]
    let _ = entry;
}

/// Test-only fault injection: with the `panic-test` feature, a reason of `sl-rs-panic` panics
/// inside the guarded code, so tests can prove the guard in the C harness and in Kamailio.
#[inline]
pub fn test_panic_point(reason: &[u8]) {
    if cfg!(feature = "panic-test") && reason == b"sl-rs-panic" {
        panic!("forced by the panic-test feature");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_becomes_the_error_value() {
        assert_eq!(ffi_guard("t", -1, || 7), 7);
        assert_eq!(ffi_guard("t", -1, || -> i32 { panic!("boom") }), -1);
        // The guard still works after a caught panic.
        assert_eq!(ffi_guard("t", -1, || 3), 3);
    }

    #[test]
    fn a_caught_panic_is_reported_once_to_the_sink_with_its_entry_and_message() {
        static REPORTS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        fn sink(line: &str) {
            REPORTS.lock().unwrap().push(line.to_string());
        }
        // The only test that sets the sink (the first call wins, as in mod_init).
        set_report_sink(sink);
        assert_eq!(ffi_guard("sink-test", 0, || -> i32 { panic!("kaboom") }), 0);
        assert_eq!(ffi_guard("sink-test-ok", 5, || 6), 6);
        let reports = REPORTS.lock().unwrap();
        let ours: Vec<_> = reports.iter().filter(|r| r.contains("sink-test")).collect();
        assert_eq!(ours.len(), 1, "{reports:?}");
        assert!(
            ours[0].starts_with("sl-rs: panic caught in sink-test, returning an error: ")
                && ours[0].contains("kaboom"),
            "{}",
            ours[0]
        );
    }

    #[test]
    fn the_reason_panic_point_fires_for_its_reason_only_with_the_test_feature() {
        let fired = |r: &'static [u8]| panic::catch_unwind(|| test_panic_point(r)).is_err();
        assert!(!fired(b"Busy Here"));
        assert_eq!(fired(b"sl-rs-panic"), cfg!(feature = "panic-test"));
    }

    #[cfg(feature = "panic-test")]
    #[test]
    fn an_entry_named_in_sl_rs_panic_panics_on_its_first_call_only() {
        // The only test that reads SL_RS_PANIC.
        std::env::set_var("SL_RS_PANIC", "guard-test-a,guard-test-b");
        assert_eq!(ffi_guard("guard-test-a", -1, || 1), -1);
        assert_eq!(ffi_guard("guard-test-a", -1, || 1), 1);
        assert_eq!(ffi_guard("guard-test-b", -1, || 2), -1);
        assert_eq!(ffi_guard("guard-test-c", -1, || 3), 3);
        assert_eq!(ffi_guard("guard-test", -1, || 4), 4);
        std::env::remove_var("SL_RS_PANIC");
    }
}
