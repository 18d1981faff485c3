//! What the host test crates share, on 127.0.0.1 only: the host under test, paths, ports;
//! the processes (`kamailio.rs`) and the peers (`peers.rs`).
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod kamailio;
mod peers;

pub use kamailio::*;
pub use peers::*;

pub const NATIVE_MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

/// Which sl.so a Kamailio loads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sl {
    Ours,
    Native,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Debian root holding the Kamailio under test (`SL_RS_HOST_ROOT`, set by
/// `make test-host HOST_SUITE=<suite>`); unset or empty: the machine's own Kamailio.
pub fn host_root() -> Option<PathBuf> {
    std::env::var_os("SL_RS_HOST_ROOT")
        .filter(|r| !r.is_empty())
        .map(PathBuf::from)
}

/// A command of the Kamailio under test (`kamailio`, `kamcmd`, `sipp`), run inside its root
/// when it has one (`scripts/in-root.sh`: same paths, same loopback, same pid).
pub fn host_command(program: &str) -> Command {
    match host_root() {
        Some(r) => {
            let mut c = Command::new(root().join("scripts/in-root.sh"));
            c.arg(r).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// The host's `kamailio -V` (version and compile flags).
pub fn host_version() -> String {
    let out = host_command("kamailio")
        .arg("-V")
        .output()
        .expect("kamailio is installed (make deps)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether the Kamailio under test is `major.minor` or newer.
pub fn host_at_least(major: u32, minor: u32) -> bool {
    let v = host_version();
    let mut parts = v
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("version: kamailio "))
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or_else(|| panic!("no version line in `kamailio -V`: {v}"))
        .split('.')
        .map(|n| n.parse::<u32>().expect("a numeric version"));
    (parts.next(), parts.next()) >= (Some(major), Some(minor))
}

/// Whether the Kamailio under test is 6.0 or newer (what 6.0's sl adds is tested only there).
pub fn host_is_6() -> bool {
    host_at_least(6, 0)
}

/// A folder holding our module as `sl.so`: `SL_RS_MODULE` when set (the load test measures the
/// release build, as it ships), else the library built with the tests (the test binary sits in
/// `<target>/debug/deps`, the library in `<target>/debug`).
pub fn our_module_dir() -> PathBuf {
    let lib = match std::env::var_os("SL_RS_MODULE") {
        Some(so) => PathBuf::from(so),
        None => std::env::current_exe()
            .expect("test binary path")
            .parent()
            .and_then(Path::parent)
            .expect("target/debug")
            .join("libsl_rs.so"),
    };
    assert!(
        lib.exists(),
        "{} is missing: run `make test-host`",
        lib.display()
    );
    let dir = scratch("module");
    std::fs::copy(&lib, dir.join("sl.so")).expect("copy module");
    dir
}

/// The module folder path (`-L`) for `sl`: ours first, then Debian's modules.
pub fn module_path(sl: Sl) -> String {
    match sl {
        Sl::Ours => format!("{}:{NATIVE_MODULES}", our_module_dir().display()),
        Sl::Native => NATIVE_MODULES.to_string(),
    }
}

/// A new empty folder under the target dir.
pub fn scratch(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// A port free for both UDP and TCP on 127.0.0.1.
pub fn free_port() -> u16 {
    loop {
        let u = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = u.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A config from `tests/host/`.
pub fn host_cfg(name: &str) -> PathBuf {
    root().join("tests/host").join(name)
}

pub fn test_cfg() -> PathBuf {
    root().join("tests/host/test.cfg")
}
