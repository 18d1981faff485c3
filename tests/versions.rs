//! A module built for one Kamailio version refuses to load in another with the core's one clear
//! line naming both versions: every host of `make test` (the machine's own 5.6, 6.0 in the trixie
//! root, 6.1 built from source) gets the module built for every other. Needs every build:
//! `make test-versions` (part of `make test`) sets `SL_RS_VERSION_HOSTS`.
#![cfg(feature = "kamailio")]

use std::path::{Path, PathBuf};
use std::process::Command;

const NATIVE_MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

/// One host: its Debian root (None: the machine's own) and the folder of the module built for it.
struct Host {
    root: Option<PathBuf>,
    module: PathBuf,
    /// `kamailio 6.1.4 (x86_64/linux)`, from its `kamailio -V`.
    version: String,
}

/// `SL_RS_VERSION_HOSTS`: `ROOT MODULE_DIR` pairs separated by `;`, ROOT `-` for the machine.
fn hosts() -> Vec<Host> {
    let list = std::env::var("SL_RS_VERSION_HOSTS")
        .unwrap_or_else(|_| panic!("SL_RS_VERSION_HOSTS is not set: run `make test-versions`"));
    list.split(';')
        .map(|pair| {
            let (root, module) = pair.split_once(' ').expect("ROOT MODULE_DIR");
            let root = (root != "-").then(|| PathBuf::from(root));
            let out = kamailio(root.as_ref())
                .arg("-V")
                .output()
                .expect("kamailio runs");
            let version = String::from_utf8_lossy(&out.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("version: ").map(|v| v.trim().to_string()))
                .expect("a version line");
            Host {
                root,
                module: PathBuf::from(module),
                version,
            }
        })
        .collect()
}

/// The host's kamailio, on the machine or in its Debian root.
fn kamailio(root: Option<&PathBuf>) -> Command {
    match root {
        Some(r) => {
            let mut c = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/in-root.sh"));
            c.arg(r).arg("kamailio");
            c
        }
        None => Command::new("kamailio"),
    }
}

/// `kamailio -c` of examples/kamailio.cfg with the module folder `module_dir` first; returns
/// (accepted, its log).
fn check(host: &Host, module_dir: &Path) -> (bool, String) {
    let out = kamailio(host.root.as_ref())
        .args(["-c", "-f", "examples/kamailio.cfg", "-L"])
        .arg(format!("{}:{NATIVE_MODULES}", module_dir.display()))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("kamailio runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn each_host_refuses_the_module_built_for_every_other_with_the_cores_version_line() {
    let hosts = hosts();
    let mut versions: Vec<&str> = hosts.iter().map(|h| h.version.as_str()).collect();
    versions.sort_unstable();
    versions.dedup();
    assert!(
        hosts.len() >= 2 && versions.len() == hosts.len(),
        "not two or more hosts of different versions: {versions:?}"
    );
    for host in &hosts {
        // Its own module is accepted: the refusals below are about the version.
        let (ok, log) = check(host, &host.module);
        assert!(ok, "{} refused its own module:\n{log}", host.version);
        for other in hosts.iter().filter(|o| !std::ptr::eq(*o, host)) {
            let (ok, log) = check(host, &other.module);
            assert!(!ok, "{} accepted {}:\n{log}", host.version, other.version);
            let line = log
                .lines()
                .find(|l| l.contains("module version mismatch for"))
                .unwrap_or_else(|| panic!("no version line:\n{log}"));
            assert!(
                line.contains(&format!("core: {}", host.version))
                    && line.contains(&format!("module: {}", other.version)),
                "{line}"
            );
            assert!(!log.contains("undefined symbol"), "{log}");
        }
    }
}
