//! A module built for one Kamailio version refuses to load in another with the core's one clear
//! line naming both versions: 5.6 (the machine's own) and 6.0 (the trixie root) each get the
//! module built for the other. Needs both builds: `make test-versions` (part of `make test`).
#![cfg(feature = "kamailio")]

use std::path::PathBuf;
use std::process::Command;

const NATIVE_MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

fn env_path(var: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{var} is not set: run `make test-versions`"))
}

/// `kamailio -c` of examples/kamailio.cfg with the module folder `module_dir` first, on the
/// machine (`root` None) or in a Debian root; returns (accepted, its log).
fn check(root: Option<&PathBuf>, module_dir: &std::path::Path) -> (bool, String) {
    let repo = env!("CARGO_MANIFEST_DIR");
    let mut cmd = match root {
        Some(r) => {
            let mut c = Command::new(format!("{repo}/scripts/in-root.sh"));
            c.arg(r).arg("kamailio");
            c
        }
        None => Command::new("kamailio"),
    };
    let out = cmd
        .args(["-c", "-f", "examples/kamailio.cfg", "-L"])
        .arg(format!("{}:{NATIVE_MODULES}", module_dir.display()))
        .current_dir(repo)
        .output()
        .expect("kamailio runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn each_host_refuses_the_module_built_for_the_other_with_the_cores_version_line() {
    let root = env_path("SL_RS_OTHER_ROOT");
    let (mod56, mod60) = (env_path("SL_RS_MODULE_5_6"), env_path("SL_RS_MODULE_6_0"));
    // Each module is accepted by its own host: the refusals below are about the version.
    for (host, module) in [(None, &mod56), (Some(&root), &mod60)] {
        let (ok, log) = check(host, module);
        assert!(ok, "refused by its own host:\n{log}");
    }
    for (host, module, core, built) in [
        (None, &mod60, "kamailio 5.6", "kamailio 6.0"),
        (Some(&root), &mod56, "kamailio 6.0", "kamailio 5.6"),
    ] {
        let (ok, log) = check(host, module);
        assert!(!ok, "{} accepted:\n{log}", module.display());
        let line = log
            .lines()
            .find(|l| l.contains("module version mismatch for"))
            .unwrap_or_else(|| panic!("no version line:\n{log}"));
        assert!(
            line.contains(&format!("core: {core}")) && line.contains(&format!("module: {built}")),
            "{line}"
        );
        assert!(!log.contains("undefined symbol"), "{log}");
    }
}
