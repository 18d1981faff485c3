//! The Debian package, in a clean Debian root of its host (a copy made by scripts/test-deb.sh,
//! `SL_RS_HOST_ROOT`): before it, Debian's sl answers; installed, ours does (its `sl.stats` has
//! the `1xx` field native's lacks) with Debian's stock kamailio.cfg unchanged and Debian's
//! sl.so kept under its diverted name; purged, Debian's answers again from its own file.
#![cfg(feature = "kamailio")]

// Shared with the other host test crates; each uses part of it.
#[allow(dead_code)]
#[path = "host/support/mod.rs"]
mod support;

use support::*;

const SL: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules/sl.so";

/// Runs `args` in the root; returns (success, stdout and stderr).
fn in_root(args: &[&str]) -> (bool, String) {
    let out = host_command(args[0])
        .args(&args[1..])
        .output()
        .expect("scripts/in-root.sh runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Starts Debian's stock config with the root's installed modules; returns whether its sl is
/// ours (`sl.stats` has `1xx`), after checking that it answers an OPTIONS keepalive.
fn stock_sl_is_ours() -> bool {
    // -L the root's module folder: whatever sl.so is installed there.
    let k = start_stock_config(Sl::Native);
    let port = k.port;
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let options = format!(
        "OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKdeb;rport\r\n\
         From: <sip:carol@127.0.0.1>;tag=c2\r\nTo: <sip:127.0.0.1>\r\nCall-ID: deb-opt\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    );
    let r = k.udp(&sock, &options).expect("OPTIONS answered");
    assert!(r.starts_with("SIP/2.0 200 Keepalive\r\n"), "{r}");
    let stats = k.kamcmd(&["sl.stats"]);
    assert!(stats.contains("200:"), "{stats}");
    stats.lines().any(|l| l.trim().starts_with("1xx:"))
}

#[test]
fn the_package_replaces_debians_sl_with_no_config_edit_and_purging_restores_it() {
    let deb = std::env::var("SL_RS_DEB").expect("SL_RS_DEB: run `make test-deb`");
    assert!(
        host_root().is_some(),
        "SL_RS_HOST_ROOT: run `make test-deb`"
    );
    let distrib = format!("{SL}.distrib");

    assert!(!stock_sl_is_ours(), "Debian's sl before the package");

    // As the README installs it.
    let (ok, log) = in_root(&["apt-get", "install", "-y", &deb]);
    assert!(ok, "apt-get install {deb}:\n{log}");
    let (_, diversions) = in_root(&["dpkg-divert", "--list", SL]);
    assert!(
        diversions.contains(&format!("diversion of {SL} to {distrib} by kamailio-sl-rs")),
        "{diversions}"
    );
    let (ok, _) = in_root(&["test", "-f", &distrib]);
    assert!(ok, "Debian's module kept as {distrib}");
    assert!(stock_sl_is_ours(), "ours once installed");

    let (ok, log) = in_root(&["apt-get", "purge", "-y", "kamailio-sl-rs"]);
    assert!(ok, "apt-get purge:\n{log}");
    let (_, diversions) = in_root(&["dpkg-divert", "--list", SL]);
    assert!(diversions.trim().is_empty(), "{diversions}");
    // Debian's file is back, as its package shipped it.
    let (ok, log) = in_root(&["dpkg", "--verify", "kamailio"]);
    assert!(ok && log.trim().is_empty(), "{log}");
    assert!(!stock_sl_is_ours(), "Debian's sl after the purge");
}
