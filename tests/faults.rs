//! Faults and misconfiguration against the real host: a panic forced into each `extern "C"`
//! entry (test-only `SL_RS_PANIC`, feature `panic-test`) becomes that entry's error value and
//! a log line, and the next call works; sends that fail are logged and counted; configuration
//! mistakes make Kamailio refuse to start, naming them.
#![cfg(feature = "kamailio")]

// Shared with the other host test crates; each uses part of it.
#[allow(dead_code)]
#[path = "host/support/mod.rs"]
mod support;

use std::time::Duration;

use support::*;

fn request(action: &str, cid: &str, port: u16) -> String {
    format!(
        "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{cid};rport\r\n\
         From: <sip:alice@127.0.0.1>;tag=fa1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: {cid}\r\n\
         CSeq: 1 INVITE\r\nX-Action: {action}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

fn status(r: &str) -> &str {
    r.split("\r\n").next().unwrap_or("")
}

/// The entries called while Kamailio runs: each panics on its first call in each process.
const RUNTIME: &[&str] = &[
    "ACK filter",
    "sl_send_reply",
    "send_reply",
    "send_reply_mode",
    "sl_reply_error",
    "sl_forward_reply",
    "get_reply_totag",
    "statistics",
    "sl.stats",
    "mod_destroy",
];

#[test]
fn a_panic_in_each_runtime_entry_is_its_error_value_and_the_next_call_works() {
    let mut k = Kamailio::start_env(
        &host_cfg("parity.cfg"),
        Sl::Ours,
        1,
        &[("SL_RS_PANIC", RUNTIME.join(","))],
    );
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    // The readiness probe went through sl_send_reply (panicked: no reply; the probe was sent
    // again and answered). The ACK filter's Rust side runs for ACKs only: the first panics,
    // and that ACK passes on to the script; the next ACK to one of our replies is absorbed.
    let invite = request("plain", "ack-1", p);
    let reply = k.udp(&sock, &invite).expect("answered");
    let to = reply
        .split("\r\n")
        .find(|l| l.starts_with("To:"))
        .expect("a To header")
        .to_string();
    let ack = invite
        .replacen("INVITE sip", "ACK sip", 1)
        .replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
        .replace("To: <sip:bob@127.0.0.1>", &to);
    assert_eq!(k.udp(&sock, &ack), None);
    assert!(
        k.wait_log("ACK-SEEN ack-1"),
        "the panicking filter passed the ACK on"
    );
    let log_lines = |k: &Kamailio| k.log_text().matches("ACK-SEEN ack-1").count();
    assert_eq!(k.udp(&sock, &ack), None);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(log_lines(&k), 1, "the next ACK was absorbed");
    for (action, want) in [
        ("send_reply", "SIP/2.0 486 Busy Here"),
        ("mode", "SIP/2.0 403 Mode"),
        (
            "error",
            "SIP/2.0 500 I'm terribly sorry, server error occurred (1/SL)",
        ),
    ] {
        assert_eq!(
            k.udp(&sock, &request(action, &format!("{action}-1"), p)),
            None,
            "{action}: the panicking call sent nothing"
        );
        let r = k
            .udp(&sock, &request(action, &format!("{action}-2"), p))
            .expect("answered");
        assert_eq!(status(&r), want);
    }
    // sl_forward_reply panics once: that reply is not forwarded; the next one is.
    let (uas, _uas) = spawn_uas();
    let fwd = |cid: &str| {
        request("forward", cid, p).replace(
            "X-Action: forward\r\n",
            &format!("X-Action: forward\r\nX-UAS: {uas}\r\n"),
        )
    };
    assert_eq!(k.udp(&sock, &fwd("fwd-keep-1")), None);
    let r = k.udp(&sock, &fwd("fwd-keep-2")).expect("forwarded");
    assert_eq!(status(&r), "SIP/2.0 480 Temporarily Unavailable");
    // $ltt(s) panics once: the variable is null, the reply still goes out; then it works.
    let r = k.udp(&sock, &request("ltt", "ltt-1", p)).expect("answered");
    assert!(r.contains("X-LTT-S: <null>\r\n"), "{r}");
    let r = k.udp(&sock, &request("ltt", "ltt-2", p)).expect("answered");
    assert!(!r.contains("X-LTT-S: <null>\r\n"), "{r}");
    // Statistics and RPC run in the ctl process.
    let first = k.kamcmd(&["sl.stats"]);
    let second = k.kamcmd(&["sl.stats"]);
    assert!(!first.contains("404:"), "{first}");
    assert!(second.contains("404:"), "{second}");
    // The first counter read in the ctl process panics (reads 0); the listing still comes.
    let s1 = k.kamcmd(&["stats.get_statistics", "sl:"]);
    let s2 = k.kamcmd(&["stats.get_statistics", "sl:"]);
    assert!(s1.contains("sl:sent_replies = "), "{s1}");
    assert!(!s2.contains("sl:404_replies = 0"), "{s2}");
    let log = k.log_text();
    for entry in RUNTIME.iter().filter(|e| **e != "mod_destroy") {
        assert!(
            log.contains(&format!(
                "sl-rs: panic caught in {entry}, returning an error"
            )),
            "no panic report for {entry}:\n{log}"
        );
    }
    assert!(
        !log.contains("exited by a signal") && !log.contains("terminating due to SIGCHLD"),
        "{log}"
    );
    // mod_destroy panics at shutdown: caught too. (The core waits for its workers first.)
    assert!(
        k.terminate(Duration::from_secs(70)),
        "kamailio did not stop"
    );
    let log = k.log_text();
    assert!(log.contains("sl-rs: panic caught in mod_destroy"), "{log}");
    assert!(
        !log.contains("Segmentation") && !log.contains("core dumped"),
        "{log}"
    );
}

#[test]
fn a_panic_in_the_api_entry_fails_that_reply_only() {
    // siputils' options_reply() answers through the bind_sl API (its freply, the API's
    // send_reply); sanity and registrar would use sreply ("sl API reply").
    let k = Kamailio::start_env(
        &host_cfg("stock.cfg"),
        Sl::Ours,
        1,
        &[("SL_RS_PANIC", "sl API reply,send_reply".to_string())],
    );
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let options = |cid: &str| {
        format!(
            "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{cid};rport\r\n\
             From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {cid}\r\nCSeq: 1 OPTIONS\r\n\
             Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
    };
    assert_eq!(k.udp(&sock, &options("api-1")), None);
    let r = k.udp(&sock, &options("api-2")).expect("answered");
    assert_eq!(status(&r), "SIP/2.0 200 OK");
    assert!(
        k.log_text().contains("sl-rs: panic caught in send_reply"),
        "{}",
        k.log_text()
    );
    // A sanity failure replies through sreply: the first panics, the next is answered.
    let bad = |cid: &str| options(cid).replace("1 OPTIONS", "1 REGISTER");
    assert_eq!(k.udp(&sock, &bad("api-3")), None);
    let r = k.udp(&sock, &bad("api-4")).expect("answered");
    assert!(status(&r).starts_with("SIP/2.0 400 "), "{r}");
    assert!(
        k.log_text().contains("sl-rs: panic caught in sl API reply"),
        "{}",
        k.log_text()
    );
}

#[test]
fn a_panic_in_an_init_time_entry_makes_kamailio_refuse_to_start() {
    let base = std::fs::read_to_string(host_cfg("parity.cfg")).unwrap();
    for entry in [
        "mod_register",
        "mod_init",
        "child_init",
        "sl_send_reply fixup",
        "send_reply fixup",
        "send_reply_mode fixup",
        "sl_forward_reply fixup",
        "$ltt",
        "sl_reply fixup",
    ] {
        // sl_reply (the alias) is in the base test config, the rest in the parity config.
        let cfg = if entry == "sl_reply fixup" {
            std::fs::read_to_string(test_cfg()).unwrap()
        } else {
            base.clone()
        };
        let (ok, log) = start_expecting_refusal_env(&cfg, &[("SL_RS_PANIC", entry.to_string())]);
        assert!(!ok, "kamailio started with a panic in {entry}");
        assert!(
            log.contains(&format!("sl-rs: panic caught in {entry}")),
            "{entry}:\n{log}"
        );
        assert!(
            !log.contains("Segmentation") && !log.contains("core dumped"),
            "{log}"
        );
    }
}

#[test]
fn a_failed_send_is_logged_and_counted_without_retry() {
    // With reply_to_via, the reply goes to the Via's address: a broadcast address the kernel
    // refuses to send to (no SO_BROADCAST), so the send fails here and nothing leaves.
    let dir = scratch("sendfail");
    let cfg = std::fs::read_to_string(host_cfg("parity.cfg"))
        .unwrap()
        .replace("auto_aliases=no\n", "auto_aliases=no\nreply_to_via=yes\n");
    std::fs::write(dir.join("k.cfg"), cfg).unwrap();
    let k = Kamailio::start(&dir.join("k.cfg"), Sl::Ours, 1);
    let failures = |k: &Kamailio| k.sl_stat("failures");
    let before = failures(&k);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let msg = request("send_reply", "to-broadcast", p).replace(
        &format!("127.0.0.1:{p};branch=z9hG4bKto-broadcast;rport"),
        "255.255.255.255:5060;branch=z9hG4bKto-broadcast",
    );
    assert_eq!(k.udp(&sock, &msg), None);
    assert!(
        k.wait_log("send_reply: sending the reply failed"),
        "{}",
        k.log_text()
    );
    assert_eq!(failures(&k), before + 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        k.log_text()
            .matches("send_reply: sending the reply failed")
            .count(),
        1,
        "retried"
    );
    // The next request is answered.
    let r = k.udp(&sock, &request("send_reply", "after-fail", p));
    assert_eq!(r.as_deref().map(status), Some("SIP/2.0 486 Busy Here"));
}

#[test]
fn configuration_mistakes_make_kamailio_refuse_to_start() {
    let base = std::fs::read_to_string(test_cfg()).unwrap();
    let cases = [
        // wrong modparam types (the core checks them, naming the parameter)
        ("loadmodule \"sl.so\"\n", "loadmodule \"sl.so\"\nmodparam(\"sl\", \"default_code\", \"abc\")\n", "default_code"),
        ("loadmodule \"sl.so\"\n", "loadmodule \"sl.so\"\nmodparam(\"sl\", \"no_such_param\", 1)\n", "no_such_param"),
        // wrong parameter counts
        ("sl_send_reply(\"404\", \"Not Here\");", "sl_send_reply(\"404\");", "sl_send_reply"),
        ("sl_send_reply(\"404\", \"Not Here\");", "sl_reply_error(\"x\");", "sl_reply_error"),
        ("sl_send_reply(\"404\", \"Not Here\");", "send_reply_mode(\"404\", \"x\");", "send_reply_mode"),
        // functions in a route where they cannot work
        ("sl_send_reply(\"404\", \"Not Here\");", "sl_send_reply(\"404\", \"Not Here\");\n}\nonreply_route {\n\tsl_send_reply(\"404\", \"x\");", "sl_send_reply"),
        // bad literal codes
        ("sl_send_reply(\"404\", \"Not Here\");", "send_reply(\"4040\", \"x\");", "send_reply(\"4040\", ...): reply code 4040 is outside 100..699"),
    ];
    assert_refused(&base, &cases);
}
