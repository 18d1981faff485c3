//! Real-host tests: Debian's Kamailio 5.6 loads our sl.so (and, for comparison, its native
//! one) on 127.0.0.1, with sipp and plain sockets as peers. Run by `make test-host`, which
//! builds the module against the host first; compiled only with the `kamailio` feature.
#![cfg(feature = "kamailio")]

// Shared with the other host test crates; each uses part of it.
#[allow(dead_code)]
#[path = "host/support/mod.rs"]
mod support;

use std::time::Duration;

use support::*;

// The differential test's requests, one per shape.
#[path = "host/shapes.rs"]
mod shapes;
use shapes::shapes;

const HDRS: &str = "From: \"Alice\" <sip:alice@127.0.0.1>;tag=fa1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: CID@127.0.0.1\r\nCSeq: 1 INVITE\r\n";

#[test]
fn config_check_accepts_the_module() {
    let moddir = our_module_dir();
    for cfg in ["examples/kamailio.cfg", "examples/openser.cfg"] {
        let out = host_command("kamailio")
            .args(["-c", "-f", cfg, "-L"])
            .arg(format!("{}:{NATIVE_MODULES}", moddir.display()))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("kamailio is installed");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "kamailio -c refused {cfg}:\n{text}");
        assert!(!text.contains("mismatch"), "{text}");
    }
}

/// The README's commands against what `make run` starts (examples/kamailio.cfg, our module):
/// its two sipp scenarios, then `kamcmd -s unixs:<runtime dir>/kamailio_ctl` with `sl.stats`
/// and `stats.get_statistics`, which need the config's ctl and kex.
#[test]
fn the_readmes_commands_work_against_the_example_config() {
    let cfg = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kamailio.cfg");
    let k = Kamailio::start(&cfg, Sl::Ours, 4);
    sipp_calls(&k, "invite-404-ack.xml", 5, 100, 5);
    sipp_calls(&k, "options-200.xml", 5, 100, 5);
    let rpc = k.kamcmd(&["sl.stats"]);
    let field = |f: &str| -> u64 {
        rpc.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{f}:"))?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {f} in {rpc}"))
    };
    assert_eq!(field("404"), 5, "{rpc}");
    // The readiness probes are OPTIONS too.
    assert!(field("200") >= 5, "{rpc}");
    assert_eq!(field("1xx"), 0, "{rpc}");
    let stats = k.kamcmd(&[
        "stats.get_statistics",
        "404_replies",
        "received_ACKs",
        "sent_replies",
    ]);
    for line in ["sl:404_replies = 5", "sl:received_ACKs = 5"] {
        assert!(stats.contains(line), "{stats}");
    }
    assert!(stats.contains("sl:sent_replies = "), "{stats}");
}

#[test]
fn replies_equal_the_native_module_for_every_shape() {
    let cfg = test_cfg();
    let ours = Kamailio::start(&cfg, Sl::Ours, 2);
    let native = Kamailio::start(&cfg, Sl::Native, 2);
    let sock = udp_client();
    let port = sock.local_addr().unwrap().port().to_string();
    let shapes = shapes();
    assert!(shapes.len() >= 30);
    let mut failures = Vec::new();
    let mut replied = 0;
    for (name, tmpl) in &shapes {
        let msg = tmpl.replace("{P}", &port);
        let a = ours.udp(&sock, &msg).map(|r| mask_signature(&r));
        let b = native.udp(&sock, &msg).map(|r| mask_signature(&r));
        // Both dropping a request is agreement too (the core refuses some shapes itself).
        replied += usize::from(a.is_some());
        if a != b {
            failures.push(format!("--- {name}\nours:   {a:?}\nnative: {b:?}"));
        }
    }
    // A refusal names the header and why, in one line at error level, as the core's does, and
    // says where it comes from as every module's lines do: `sl [src/x.rs:N]: function(): `.
    let log = ours.log_text();
    let line = log
        .lines()
        .find(|l| l.contains("sl_send_reply: duplicate Content-Length header; no reply sent"))
        .unwrap_or_else(|| panic!("no refusal line:\n{log}"));
    let at = line
        .split_once("ERROR: sl [src/")
        .and_then(|(_, rest)| rest.split_once("]: "))
        .unwrap_or_else(|| panic!("no Rust source location: {line}"));
    assert!(
        at.0.contains(".rs:") && at.1.contains("(): sl_send_reply: duplicate"),
        "{line}"
    );
    // The same over TCP: the reply must come back on the request's connection.
    for m in ["INVITE", "OPTIONS"] {
        let msg = format!(
            "{m} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKt{m}\r\n{HDRS}Content-Length: 0\r\n\r\n"
        );
        let a = ours.tcp(&msg).map(|r| mask_signature(&r));
        let b = native.tcp(&msg).map(|r| mask_signature(&r));
        if a.is_none() || a != b {
            failures.push(format!("--- tcp {m}\nours:   {a:?}\nnative: {b:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} shapes differ:\n{}",
        failures.len(),
        shapes.len() + 2,
        failures.join("\n")
    );
    assert!(replied >= 30, "only {replied} shapes were answered");
}

/// Under `sip_parser_mode=0` the core lets a repeated From, To, Call-ID, CSeq or Content-Length
/// through, and native's reply copies every such line (and tags every To): ours answers the
/// same, and still drops what the core refuses in both modes (a repeated Max-Forwards).
#[test]
fn in_the_lenient_parser_mode_replies_equal_native() {
    let cfg = test_cfg();
    let lenient = ["-A".to_string(), "LENIENT_PARSER".to_string()];
    let ours = Kamailio::start_args(&cfg, Sl::Ours, 1, free_port(), &lenient);
    let native = Kamailio::start_args(&cfg, Sl::Native, 1, free_port(), &lenient);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let req = |extra: &str, after_cseq: &str| {
        format!(
            "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKlen;rport\r\n\
             {extra}{HDRS}{after_cseq}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let late = |after_cseq: &str| req("", after_cseq).replacen("sip:bob@", "sip:late@", 1);
    let cases = [
        (
            "from twice",
            req("", "From: <sip:eve@127.0.0.1>;tag=e\r\n"),
            true,
        ),
        (
            "to twice",
            req("", "t: <sip:carol@127.0.0.1>;tag=c9 \r\n"),
            true,
        ),
        (
            "to before the split",
            req("To: <sip:dave@127.0.0.1>\r\n", ""),
            true,
        ),
        (
            "call-id and cseq twice",
            req("", "Call-ID: second@x\r\nCSeq: 2 INVITE\r\n"),
            true,
        ),
        ("content-length twice", req("", "l: 0\r\n"), true),
        ("max-forwards twice", req("", "Max-Forwards: 69\r\n"), false),
        // To "late": the lines after CSeq are judged by the core's parser as native's are.
        (
            "late: to twice",
            late("t: <sip:carol@127.0.0.1>;tag=c9 \r\n"),
            true,
        ),
        ("late: cseq twice", late("CSeq: 2 INVITE\r\n"), true),
        (
            "late: a malformed second to",
            late("To: <sip:carol@127.0.0.1\r\n"),
            false,
        ),
        (
            "late: a malformed second cseq",
            late("CSeq: 2 INVITE: x\r\n"),
            false,
        ),
    ];
    for (name, msg, answered) in &cases {
        let a = ours.udp(&sock, msg).map(|r| mask_signature(&r));
        let b = native.udp(&sock, msg).map(|r| mask_signature(&r));
        assert_eq!(a, b, "{name}");
        assert_eq!(a.is_some(), *answered, "{name}: {a:?}");
    }
    let two_tos = ours
        .udp(&sock, &cases[1].1)
        .expect("a reply with both To lines");
    assert_eq!(two_tos.matches(";tag=").count(), 4, "{two_tos}");
}

/// The To-tag is Kamailio's own algorithm: on the same port, ours and native give the same tag.
#[test]
fn to_tags_equal_native_on_the_same_port() {
    let sock = udp_client();
    let msg = format!(
        "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bKsame;rport\r\n{HDRS}\r\n",
        sock.local_addr().unwrap().port()
    );
    let cfg = test_cfg();
    let ours = Kamailio::start(&cfg, Sl::Ours, 1);
    let a = ours.udp(&sock, &msg).expect("reply from ours");
    let port = ours.port;
    drop(ours);
    // Start native on the very same port.
    let dir = scratch("sameport");
    std::fs::copy(&cfg, dir.join("k.cfg")).unwrap();
    let native = Kamailio::start_at(&dir.join("k.cfg"), Sl::Native, 1, port);
    let b = native.udp(&sock, &msg).expect("reply from native");
    assert_eq!(a, b);
}

#[test]
fn sipp_1000_invites_get_404_and_every_ack_is_absorbed() {
    let mut k = Kamailio::start(&test_cfg(), Sl::Ours, 4);
    sipp_calls(&k, "invite-404-ack.xml", 1000, 400, 200);
    std::thread::sleep(Duration::from_millis(300));
    let log = k.log_text();
    assert_eq!(
        log.matches("ACK-SEEN").count(),
        0,
        "ACKs reached the script:\n{log}"
    );
    assert!(k.alive());
}

#[test]
fn foreign_and_late_acks_reach_the_script() {
    let k = Kamailio::start(&test_cfg(), Sl::Ours, 4);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let invite = |cid: &str| {
        format!("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{cid};rport\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: {cid}\r\nCSeq: 1 INVITE\r\n\r\n")
    };
    let ack = |cid: &str, tag: &str| {
        format!("ACK sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{cid};rport\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>;tag={tag}\r\nCall-ID: {cid}\r\nCSeq: 1 ACK\r\n\r\n")
    };
    let tag_of = |reply: &str| {
        reply
            .split("To: <sip:bob@127.0.0.1>;tag=")
            .nth(1)
            .unwrap()
            .split("\r\n")
            .next()
            .unwrap()
            .to_string()
    };

    let ours = tag_of(&k.udp(&sock, &invite("own")).unwrap());
    sock.send_to(ack("own", &ours).as_bytes(), ("127.0.0.1", k.port))
        .unwrap();
    sock.send_to(
        ack("foreign", "a-dialog-tag").as_bytes(),
        ("127.0.0.1", k.port),
    )
    .unwrap();
    // A tag of our format for another transaction (different branch and Call-ID) is not ours.
    sock.send_to(ack("other", &ours).as_bytes(), ("127.0.0.1", k.port))
        .unwrap();
    let late = tag_of(&k.udp(&sock, &invite("late")).unwrap());
    std::thread::sleep(Duration::from_millis(2600)); // the window is 2 s
    sock.send_to(ack("late", &late).as_bytes(), ("127.0.0.1", k.port))
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let log = k.log_text();
    assert!(!log.contains("ACK-SEEN own"), "our ACK reached the script");
    for cid in ["foreign", "other", "late"] {
        assert!(
            log.contains(&format!("ACK-SEEN {cid}")),
            "ACK {cid} was absorbed:\n{log}"
        );
    }
}

#[test]
fn malformed_input_and_a_forced_panic_leave_every_worker_alive() {
    let mut k = Kamailio::start(&test_cfg(), Sl::Ours, 4);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let junk: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\0\0\0\0\0\0\0\0".to_vec(),
        (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect(),
        b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1".to_vec(),
        b"INVITE sip:x SIP/2.0\r\nTo: <sip:x>\r\n\r\n".to_vec(),
        format!("ACK sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};rport\r\nTo: <sip:x>;tag=\"\r\n\r\n").into_bytes(),
        format!("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP [::1:{p};rport\r\n\r\n").into_bytes(),
    ];
    for j in &junk {
        let _ = sock.send_to(j, ("127.0.0.1", k.port));
    }
    // The test-only switch makes sl_send_reply panic inside the guard: the call fails, the
    // script falls back, the worker lives.
    let panic = format!(
        "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKpanic;rport\r\n{HDRS}X-Code: 500\r\nX-Reason: sl-rs-panic\r\n\r\n"
    );
    let mut answered_after_panic = 0;
    for _ in 0..8 {
        // eight times, so every one of the four workers is likely to hit it
        let r = k
            .udp(&sock, &panic)
            .expect("the script's fallback reply after the panic");
        answered_after_panic += usize::from(r.starts_with("SIP/2.0 500 Fallback\r\n"));
    }
    assert_eq!(answered_after_panic, 8);
    // A variable that evaluates to a bad code at run time: logged, -1, no malformed reply.
    let bad = panic
        .replace(
            "X-Code: 500\r\nX-Reason: sl-rs-panic",
            "X-Code: 800\r\nX-Reason: Too High",
        )
        .replace("z9hG4bKpanic", "z9hG4bKbad");
    let r = k.udp(&sock, &bad).expect("the script's fallback reply");
    assert!(r.starts_with("SIP/2.0 500 Fallback\r\n"), "{r}");
    let ok = format!("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKafter;rport\r\n{HDRS}\r\n");
    let reply = k.udp(&sock, &ok).expect("normal request answered");
    assert!(reply.starts_with("SIP/2.0 404 Not Here\r\n"), "{reply}");
    let log = k.log_text();
    assert!(
        log.contains("sl-rs: panic caught in sl_send_reply"),
        "{log}"
    );
    assert!(
        !log.contains("exited by a signal") && !log.contains("terminating due to SIGCHLD"),
        "{log}"
    );
    assert!(k.alive());
}

#[test]
fn bad_literals_and_params_make_kamailio_refuse_to_start() {
    let base = std::fs::read_to_string(test_cfg()).unwrap();
    let cases = [
        (
            "sl_send_reply(\"404\", \"Not Here\");",
            "sl_send_reply(\"800\", \"Too High\");",
            "sl_send_reply(\"800\", ...): reply code 800 is outside 100..699",
        ),
        (
            "sl_send_reply(\"404\", \"Not Here\");",
            "sl_reply(\"99\", \"Low\");",
            "sl_reply(\"99\", ...): reply code 99 is outside 100..699",
        ),
        (
            "sl_send_reply(\"404\", \"Not Here\");",
            "sl_send_reply(\"404\", \"Bad\\r\\nX-Injected: 1\");",
            "reason phrase holds a control character",
        ),
        (
            "sl_send_reply(\"404\", \"Not Here\");",
            "sl_send_reply(\"abc\", \"x\");",
            "sl_send_reply(\"abc\", ...): the reply code must be a number or a variable",
        ),
        (
            "loadmodule \"sl.so\"\n",
            "loadmodule \"sl.so\"\nmodparam(\"sl\", \"default_code\", 42)\n",
            "modparam(\"sl\", \"default_code\", 42): reply code 42 is outside 100..699",
        ),
    ];
    assert_refused(&base, &cases);
}
