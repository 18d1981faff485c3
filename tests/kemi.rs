//! KEMI: a Lua routing script (app_lua) calls every `KSR.sl` function of our module, and
//! the event_callback_* parameters name the Lua functions run for the sl events.
#![cfg(feature = "kamailio")]

// Shared with the other host test crates; each uses part of it.
#[allow(dead_code)]
#[path = "host/support/mod.rs"]
mod support;

use std::time::Duration;

use support::*;

fn header<'a>(reply: &'a str, name: &str) -> Option<&'a str> {
    reply
        .split("\r\n")
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

/// kemi.cfg with the Lua script's path in it.
fn kemi_cfg() -> std::path::PathBuf {
    let dir = scratch("kemi");
    let cfg = std::fs::read_to_string(host_cfg("kemi.cfg"))
        .unwrap()
        .replace("LUA_SCRIPT", host_cfg("kemi.lua").to_str().unwrap());
    std::fs::write(dir.join("kemi.cfg"), cfg).unwrap();
    dir.join("kemi.cfg")
}

#[test]
fn a_lua_script_uses_every_ksr_sl_function() {
    let k = Kamailio::start(&kemi_cfg(), Sl::Ours, 2);
    let (uas, _uas) = spawn_uas();
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let req = |method: &str, action: &str, cid: &str| {
        format!(
            "{method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{cid};rport\r\n\
             From: <sip:alice@127.0.0.1>;tag=fa1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: {cid}\r\n\
             CSeq: 1 {method}\r\nX-Action: {action}\r\nX-UAS: {uas}\r\nMax-Forwards: 70\r\n\
             Content-Length: 0\r\n\r\n"
        )
    };
    let send = |action: &str, cid: &str| {
        k.udp(&sock, &req("INVITE", action, cid))
            .unwrap_or_else(|| panic!("no reply to {action}; log:\n{}", k.log_text()))
    };
    let status = |r: &str| r.split("\r\n").next().unwrap().to_string();

    let r404 = send("sl", "k-sl");
    assert_eq!(status(&r404), "SIP/2.0 404 Not Here");
    assert_eq!(status(&send("send_reply", "k-sr")), "SIP/2.0 486 Busy Lua");
    let r = send("send_reply_tm", "k-tm");
    assert_eq!(status(&r), "SIP/2.0 486 Busy TM Lua");
    let tm_tag = header(&r, "To").unwrap().split(";tag=").nth(1).unwrap();
    assert_eq!(header(&r, "X-Totag"), Some(tm_tag), "tm's tag: {r}");
    assert_eq!(status(&send("mode", "k-mode")), "SIP/2.0 403 Mode Lua");
    assert!(status(&send("error", "k-err")).starts_with("SIP/2.0 500 "));
    // KSR.sl.send_reply_error: 6.0's, stateless without a transaction and through tm with one.
    let r = send("send_reply_error", "k-sre");
    let r_tm = send("send_reply_error_tm", "k-sre-tm");
    if host_is_6() {
        assert!(status(&r).ends_with("server error occurred (1/SL)"), "{r}");
        assert!(
            status(&r_tm).ends_with("server error occurred (1/TM)"),
            "{r_tm}"
        );
        let tag = header(&r_tm, "To").unwrap().split(";tag=").nth(1).unwrap();
        assert_eq!(tag.as_bytes()[32], b'-', "tm's tag: {r_tm}");
    } else {
        assert_eq!(status(&r), "SIP/2.0 501 No send_reply_error");
        assert_eq!(status(&r_tm), "SIP/2.0 501 No send_reply_error");
    }
    let r = send("totag", "k-tag");
    let sl_tag = header(&r, "To").unwrap().split(";tag=").nth(1).unwrap();
    assert_eq!(header(&r, "X-Totag"), Some(sl_tag), "sl's tag: {r}");
    // A reason with CR/LF from KEMI is refused: no injected header, the script falls back.
    let r = send("bad", "k-bad");
    assert_eq!(status(&r), "SIP/2.0 500 Refused", "{r}");
    assert!(!r.contains("X-Injected"));
    // An empty reason: sent by 5.6 and 6.0, refused by 6.1 (-1 and one error line each, nothing
    // sent), as each one's native decides.
    let refused = host_at_least(6, 1);
    for (action, cid) in [("empty", "k-empty"), ("empty_send_reply", "k-empty-sr")] {
        let want = match refused {
            true => "SIP/2.0 500 Empty -1",
            false => "SIP/2.0 404 ",
        };
        assert_eq!(status(&send(action, cid)), want, "{action}");
    }
    assert_eq!(
        k.log_text()
            .matches("reply reason is null or empty")
            .count(),
        if refused { 2 } else { 0 }
    );
    // A reply asked for from the local-response callback is refused, not sent.
    assert_eq!(status(&send("sl", "k-nested")), "SIP/2.0 404 Not Here");
    assert!(k.wait_log("NESTED -1"), "{}", k.log_text());
    assert!(k
        .log_text()
        .contains("called while another reply is being sent"));
    // sl_forward_reply from ksr_reply_route: the UAS's 480 comes back as 404.
    assert_eq!(
        status(&send("forward", "fwd-lua")),
        "SIP/2.0 404 Lua Rewritten"
    );

    // The ACK to our 404 is absorbed and runs event_callback_fl_ack.
    let tag_404 = header(&r404, "To").unwrap().split(";tag=").nth(1).unwrap();
    let ack = req("ACK", "sl", "k-sl").replace(
        "To: <sip:bob@127.0.0.1>",
        &format!("To: <sip:bob@127.0.0.1>;tag={tag_404}"),
    );
    sock.send_to(ack.as_bytes(), ("127.0.0.1", k.port)).unwrap();
    assert!(
        k.wait_log("FLACK-LUA sl:filtered-ack k-sl"),
        "{}",
        k.log_text()
    );
    std::thread::sleep(Duration::from_millis(200));
    let log = k.log_text();
    assert!(!log.contains("ACK-SEEN k-sl"), "{log}");
    assert!(!log.contains("panic"), "{log}");
    // event_callback_lres_sent ran for each local stateless reply.
    for cid in ["k-sl", "k-sr", "k-mode", "k-err", "k-sre", "k-tag"] {
        assert!(
            log.contains(&format!("LRES-LUA sl:local-response {cid}")),
            "no local-response callback for {cid}:\n{log}"
        );
    }
    assert!(
        !log.contains("LRES-LUA sl:local-response k-tm"),
        "tm replied, not sl"
    );
}

/// With absorb_dialog_acks, the ACK of KSR.sl.sl_send_reply's reply to a re-INVITE (its To-tag
/// kept) is absorbed and runs event_callback_fl_ack, as a signed one does.
#[test]
fn the_ack_of_a_lua_reply_to_a_reinvite_is_absorbed_with_absorb_dialog_acks() {
    let extra = ["-A".to_string(), "ABSORB_DIALOG_ACKS".to_string()];
    let k = Kamailio::start_args(&kemi_cfg(), Sl::Ours, 2, free_port(), &extra);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let req = |method: &str| {
        format!(
            "{method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKdlg;rport\r\n\
             From: <sip:alice@127.0.0.1>;tag=fa1\r\nTo: <sip:bob@127.0.0.1>;tag=dlg\r\n\
             Call-ID: k-dlg\r\nCSeq: 2 {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let reply = k.udp(&sock, &req("INVITE")).expect("a reply");
    assert!(reply.starts_with("SIP/2.0 404 Not Here\r\n"), "{reply}");
    assert_eq!(header(&reply, "To"), Some("<sip:bob@127.0.0.1>;tag=dlg"));
    sock.send_to(req("ACK").as_bytes(), ("127.0.0.1", k.port))
        .unwrap();
    assert!(
        k.wait_log("FLACK-LUA sl:filtered-ack k-dlg"),
        "{}",
        k.log_text()
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(!k.log_text().contains("ACK-SEEN k-dlg"), "{}", k.log_text());
}
