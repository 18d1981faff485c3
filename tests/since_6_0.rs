//! What Kamailio 6.0's sl adds over 5.6's, compared with 6.0's native sl: `send_reply_error()`
//! (through tm when tm answers, else stateless), the final-reply mark that makes a later
//! internal-error reply refuse, the script's extra first-Via parameters, and expressions as
//! function parameters (free-fixups). On 5.6, the same
//! config is refused by ours as by native: neither has those functions.
#![cfg(feature = "kamailio")]

// Shared with the other host test crates; each uses part of it.
#[allow(dead_code)]
#[path = "host/support/mod.rs"]
mod support;

use support::*;

fn request(action: &str, cid: &str, port: u16) -> String {
    format!(
        "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{cid};rport;x=1\r\n\
         From: <sip:alice@127.0.0.1>;tag=fa1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: {cid}\r\n\
         CSeq: 1 INVITE\r\nX-Action: {action}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

/// Every reply `k` sends to `action` from `sock`, in order (until 700 ms pass without one).
/// A final reply is ACKed at once, so tm does not retransmit its reply into the next case.
fn replies(k: &Kamailio, sock: &std::net::UdpSocket, action: &str) -> Vec<String> {
    let msg = request(
        action,
        &format!("v6-{action}"),
        sock.local_addr().unwrap().port(),
    );
    let mut out: Vec<String> = k.udp(sock, &msg).into_iter().collect();
    sock.set_read_timeout(Some(std::time::Duration::from_millis(700)))
        .unwrap();
    let mut buf = vec![0u8; 65536];
    loop {
        if let Some(last) = out.last().filter(|r| !r.starts_with("SIP/2.0 1")) {
            let to = last.split("\r\n").find(|l| l.starts_with("To: ")).unwrap();
            let ack = msg
                .replacen("INVITE", "ACK", 1)
                .replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
                .replace("To: <sip:bob@127.0.0.1>", to);
            sock.send_to(ack.as_bytes(), ("127.0.0.1", k.port)).unwrap();
        }
        match sock.recv_from(&mut buf) {
            Ok((n, _)) => out.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(_) => break,
        }
    }
    sock.set_read_timeout(Some(std::time::Duration::from_millis(1500)))
        .unwrap();
    // A retransmission that crossed the ACK counts once.
    out.dedup();
    out.iter().map(|r| mask_signature(r)).collect()
}

fn status(r: &str) -> &str {
    r.split("\r\n").next().unwrap()
}

#[test]
fn what_6_0_adds_equals_native_6_0_and_5_6_refuses_it_for_both() {
    let cfg = host_cfg("since_6_0.cfg");
    if !host_is_6() {
        // Kamailio 5.6: the core has no xavp_via_reply_params, and neither sl has
        // send_reply_error: both refuse to start, at the same places.
        let text = std::fs::read_to_string(&cfg).unwrap();
        let line = 1 + text
            .lines()
            .position(|l| l.starts_with("xavp_via_reply_params"))
            .unwrap();
        let without = text.replace("xavp_via_reply_params=\"vrp\"\n", "");
        for sl in [Sl::Ours, Sl::Native] {
            let (ok, log) = start_expecting_refusal_by(sl, &text, &[]);
            assert!(
                !ok,
                "5.6 started a config using xavp_via_reply_params:\n{log}"
            );
            assert!(log.contains(&format!("line {line}, column")), "{log}");
            let (ok, log) = start_expecting_refusal_by(sl, &without, &[]);
            assert!(!ok, "5.6 started a config using send_reply_error:\n{log}");
            assert!(
                log.contains("failed to find command send_reply_error"),
                "{log}"
            );
        }
        return;
    }
    let ours = Kamailio::start(&cfg, Sl::Ours, 2);
    let native = Kamailio::start(&cfg, Sl::Native, 2);
    let mut got = std::collections::HashMap::new();
    let mut failures = Vec::new();
    for action in [
        "error",
        "error_tm",
        "final_then_error",
        "provisional_then_error",
        "via_params",
        "expressions",
        "mode_expressions",
    ] {
        let sock = udp_client();
        let (a, b) = (
            replies(&ours, &sock, action),
            replies(&native, &sock, action),
        );
        if a.is_empty() || a != b {
            failures.push(format!("--- {action}\nours:   {a:?}\nnative: {b:?}"));
        }
        got.insert(action, a);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The log lines the script printed: the same return codes.
    let rcs = |k: &Kamailio| -> Vec<String> {
        let mut v: Vec<String> = k
            .log_text()
            .lines()
            .filter_map(|l| Some(l[l.find("RC")?..].to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(rcs(&ours), rcs(&native));

    // What each case must show, beyond equality (the xavp fields come newest first).
    let e = &got["error"];
    assert!(
        e.len() == 1 && status(&e[0]).starts_with("SIP/2.0 5"),
        "{e:?}"
    );
    assert!(e[0].contains("tag=<SIG>."), "stateless: sl's tag {e:?}");
    let t = &got["error_tm"];
    assert!(
        t.len() == 1 && t[0].contains("tag=<SIG>-"),
        "tm's tag {t:?}"
    );
    let f = &got["final_then_error"];
    assert_eq!(
        f.iter().map(|r| status(r)).collect::<Vec<_>>(),
        ["SIP/2.0 404 First"]
    );
    assert!(ours.log_text().contains("RC -2 v6-final_then_error"));
    assert!(ours.log_text().contains("RC2 -2 v6-final_then_error"));
    assert!(ours
        .log_text()
        .contains("message marked with final-reply flag"));
    let pr = &got["provisional_then_error"];
    assert_eq!(pr.len(), 2, "{pr:?}");
    assert_eq!(status(&pr[0]), "SIP/2.0 180 Ringing");
    assert_eq!(status(&got["expressions"][0]), "SIP/2.0 404 Bad Thing");
    assert_eq!(status(&got["mode_expressions"][0]), "SIP/2.0 403 Mode 3");
    let v = &got["via_params"];
    assert!(
        v[0].contains(";rport=") && v[0].contains(";received=127.0.0.1;y=two;x=1;x=1\r\n"),
        "{v:?}"
    );
}
