//! Parity with Kamailio's native sl, against the real host: the functions beyond
//! `sl_send_reply` (send_reply with and without tm, send_reply_mode, sl_forward_reply), the
//! parameters, `$ltt`, the event routes, the statistics and `sl.stats`. Where both modules
//! can run the same config, replies are compared byte for byte (signatures masked).
#![cfg(feature = "kamailio")]

// Shared with the other host test crates; each uses part of it.
#[allow(dead_code)]
#[path = "host/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::Duration;

use support::*;

fn request(method: &str, action: &str, cid: &str, port: u16, extra: &str) -> String {
    format!(
        "{method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{cid};rport\r\n\
         From: <sip:alice@127.0.0.1>;tag=fa1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: {cid}\r\n\
         CSeq: 1 {method}\r\nX-Action: {action}\r\n{extra}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

fn header<'a>(reply: &'a str, name: &str) -> Option<&'a str> {
    reply
        .split("\r\n")
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

fn to_tag(reply: &str) -> &str {
    header(reply, "To")
        .and_then(|t| t.split(";tag=").nth(1))
        .unwrap_or_else(|| panic!("no To-tag in {reply}"))
}

#[test]
fn new_functions_and_parameters_equal_native() {
    let cfg = host_cfg("parity.cfg");
    let ours = Kamailio::start(&cfg, Sl::Ours, 2);
    let native = Kamailio::start(&cfg, Sl::Native, 2);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let mut replies = HashMap::new();
    let mut failures = Vec::new();
    for (action, method) in [
        ("send_reply", "INVITE"),
        ("send_reply_tm", "INVITE"),
        ("send_reply_tm", "OPTIONS"),
        ("mode", "INVITE"),
        ("redirect", "INVITE"),
        ("ltt", "INVITE"),
        ("defaults", "INVITE"),
    ] {
        let msg = request(method, action, &format!("{action}-{method}"), p, "");
        let a = ours.udp(&sock, &msg);
        let b = native.udp(&sock, &msg);
        let (am, bm) = (
            a.as_deref().map(mask_signature),
            b.as_deref().map(mask_signature),
        );
        if a.is_none() || am != bm {
            failures.push(format!(
                "--- {action} {method}\nours:   {am:?}\nnative: {bm:?}"
            ));
        }
        replies.insert(format!("{action} {method}"), a.unwrap_or_default());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // event_route[sl:local-response] ran for the same replies with the same variables.
    let lres = |k: &Kamailio| {
        let log = k.log_text();
        let mut v: Vec<String> = log
            .lines()
            .filter_map(|l| Some(l[l.find("LRES ")?..].to_string()))
            .filter(|l| !l.contains(" ready-"))
            .collect();
        v.sort();
        v
    };
    // The route runs after the send: wait for the last one.
    for k in [&ours, &native] {
        assert!(
            k.wait_log("LRES 480 Defaulted defaults-INVITE"),
            "{}",
            k.log_text()
        );
    }
    let (lres_ours, lres_native) = (lres(&ours), lres(&native));
    assert_eq!(lres_ours, lres_native);
    assert!(
        lres_ours.contains(&format!(
            "LRES 486 Busy Here send_reply-INVITE to 127.0.0.1:{p}"
        )),
        "{lres_ours:?}"
    );

    // What the comparison cannot show on its own: each reply is the one the function promises.
    let r = &replies["send_reply INVITE"];
    assert!(r.starts_with("SIP/2.0 486 Busy Here\r\n"), "{r}");
    let r = &replies["send_reply_tm INVITE"];
    assert!(r.starts_with("SIP/2.0 486 Busy TM\r\n"), "{r}");
    // tm's To-tag: '-' separated, and $ltt(t) and $ltt(x) give it.
    let tag = to_tag(r);
    assert_eq!(tag.as_bytes()[32], b'-', "{r}");
    assert_eq!(header(r, "X-LTT-T"), Some(tag), "{r}");
    assert_eq!(header(r, "X-LTT-X"), Some(tag), "{r}");
    let r = &replies["ltt INVITE"];
    let tag = to_tag(r);
    assert_eq!(tag.as_bytes()[32], b'.', "{r}");
    assert_eq!(header(r, "X-LTT-S"), Some(tag), "{r}");
    assert_eq!(header(r, "X-LTT-X"), Some(tag), "{r}");
    assert_eq!(header(r, "X-LTT-T"), Some("<null>"), "{r}");
    let r = &replies["redirect INVITE"];
    assert!(r.starts_with("SIP/2.0 302 Moved\r\n"), "{r}");
    assert!(
        r.contains("\r\nContact: <sip:alt1@127.0.0.1>;q=0.5;flags=0, <sip:alt2@127.0.0.1;transport=tcp>;q=0.9;flags=0\r\n"),
        "{r}"
    );
    let r = &replies["defaults INVITE"];
    assert!(r.starts_with("SIP/2.0 480 Defaulted\r\n"), "{r}");
    assert!(replies["mode INVITE"].starts_with("SIP/2.0 403 Mode\r\n"));
}

#[test]
fn send_reply_mode_2_closes_the_tcp_connection() {
    use std::io::{Read, Write};
    let k = Kamailio::start(&host_cfg("parity.cfg"), Sl::Ours, 1);
    let read_all = |action: &str| {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", k.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let msg = request("INVITE", action, &format!("tcp-{action}"), 5999, "")
            .replace("SIP/2.0/UDP", "SIP/2.0/TCP");
        s.write_all(msg.as_bytes()).unwrap();
        let mut out = Vec::new();
        let closed = loop {
            let mut buf = [0u8; 4096];
            match s.read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(_) => break false, // still open when the read timed out
            }
        };
        (String::from_utf8_lossy(&out).into_owned(), closed)
    };
    let (reply, closed) = read_all("mode");
    assert!(reply.starts_with("SIP/2.0 403 Mode\r\n"), "{reply}");
    assert!(closed, "mode 2 left the connection open");
    let (reply, closed) = read_all("send_reply");
    assert!(reply.starts_with("SIP/2.0 486 Busy Here\r\n"), "{reply}");
    assert!(!closed, "a plain reply closed the connection");
}

#[test]
fn sl_forward_reply_equals_native() {
    let cfg = host_cfg("parity.cfg");
    let ours = Kamailio::start(&cfg, Sl::Ours, 2);
    let native = Kamailio::start(&cfg, Sl::Native, 2);
    let (uas, uas_thread) = spawn_uas();
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let extra = format!("X-UAS: {uas}\r\n");
    let mut got = Vec::new();
    for (n, k) in [&ours, &native].into_iter().enumerate() {
        for cid in ["fwd-keep", "fwd-code", "fwd-both", "fwd-class"] {
            let msg = request("INVITE", "forward", &format!("{cid}-{n}"), p, &extra);
            let status = k
                .udp(&sock, &msg)
                .map(|r| r.split("\r\n").next().unwrap().to_string());
            got.push((n, cid, status));
        }
    }
    drop(uas_thread);
    let ours_got: Vec<_> = got
        .iter()
        .filter(|g| g.0 == 0)
        .map(|g| (g.1, g.2.clone()))
        .collect();
    let native_got: Vec<_> = got
        .iter()
        .filter(|g| g.0 == 1)
        .map(|g| (g.1, g.2.clone()))
        .collect();
    assert_eq!(ours_got, native_got);
    let want = [
        (
            "fwd-keep",
            Some("SIP/2.0 480 Temporarily Unavailable".to_string()),
        ),
        (
            "fwd-code",
            Some("SIP/2.0 404 Temporarily Unavailable".to_string()),
        ),
        ("fwd-both", Some("SIP/2.0 404 Rewritten 480".to_string())),
        ("fwd-class", None),
    ];
    assert_eq!(ours_got, want);
    assert!(
        ours.wait_log("FWD-REFUSED fwd-class-0"),
        "{}",
        ours.log_text()
    );
    assert!(ours
        .log_text()
        .contains("reply code class cannot be changed"));
}

fn stat(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(name)?
                .trim()
                .strip_prefix('=')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[test]
fn statistics_and_event_routes_are_exact_across_four_workers() {
    const N: u64 = 600;
    let k = Kamailio::start(&host_cfg("parity.cfg"), Sl::Ours, 4);
    let before = k.kamcmd(&["stats.get_statistics", "sl:"]);
    sipp_calls(&k, "invite-404-ack.xml", N, 300, 100);
    std::thread::sleep(Duration::from_millis(300));
    let after = k.kamcmd(&["stats.get_statistics", "sl:"]);
    let d = |name: &str| stat(&after, name) - stat(&before, name);
    assert_eq!(d("sl:404_replies"), N, "{after}");
    assert_eq!(d("sl:sent_replies"), N, "{after}");
    assert_eq!(d("sl:received_ACKs"), N, "{after}");
    assert_eq!(d("sl:4xx_replies"), 0);
    assert_eq!(d("sl:failures"), 0);
    for name in [
        "1xx", "200", "202", "2xx", "300", "301", "302", "3xx", "400", "401", "403", "404", "407",
        "408", "483", "4xx", "500", "5xx", "6xx", "xxx",
    ] {
        stat(&after, &format!("sl:{name}_replies"));
    }
    for name in [
        "sent_err_replies",
        "failures",
        "received_ACKs",
        "sent_replies",
    ] {
        stat(&after, &format!("sl:{name}"));
    }
    // sl.stats: native's fields, the same figures.
    let rpc = k.kamcmd(&["sl.stats"]);
    let field = |f: &str| {
        rpc.lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(&format!("{f}:"))?
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no {f} in {rpc}"))
    };
    assert_eq!(field("404"), stat(&after, "sl:404_replies"));
    assert_eq!(field("xxx"), 0);
    // One event route run per reply and per absorbed ACK, none for anything else.
    let log = k.log_text();
    let lres = log
        .lines()
        .filter(|l| l.contains("LRES 404 Not Here") && l.contains(" to 127.0.0.1:"))
        .count() as u64;
    let flack = log.matches("FLACK ").count() as u64;
    assert_eq!(lres, stat(&after, "sl:404_replies"));
    assert_eq!(flack, N);
    assert_eq!(log.matches("ACK-SEEN").count(), 0);
}

#[test]
fn bad_parameters_and_literals_make_kamailio_refuse_to_start() {
    let base = std::fs::read_to_string(test_cfg()).unwrap();
    let modparam = |p: &str| format!("loadmodule \"sl.so\"\nmodparam(\"sl\", {p})\n");
    let cases = [
        (
            modparam("\"bind_tm\", 2"),
            "modparam(\"sl\", \"bind_tm\", 2): must be 0 or 1",
        ),
        (
            modparam("\"rich_redirect\", 9"),
            "modparam(\"sl\", \"rich_redirect\", 9): must be 0 to 3",
        ),
        (
            modparam("\"event_callback_fl_ack\", \"bad name!\""),
            "modparam(\"sl\", \"event_callback_fl_ack\", \"bad name!\"): not a function name",
        ),
        (
            modparam("\"default_reason\", \"x\\r\\nVia: evil\""),
            "modparam(\"sl\", \"default_reason\", \"x\\r\\nVia: evil\")",
        ),
        (
            "loadmodule \"sl.so\"\nroute[M] { send_reply_mode(\"404\", \"x\", \"7\"); }\n".into(),
            "send_reply_mode(..., ..., \"7\"): the mode must be 0 to 3",
        ),
        (
            "loadmodule \"sl.so\"\nroute[M] { send_reply(\"1000\", \"x\"); }\n".into(),
            "send_reply(\"1000\", ...): reply code 1000 is outside 100..699",
        ),
        (
            "loadmodule \"sl.so\"\nonreply_route { sl_forward_reply(\"20\"); }\n".into(),
            "sl_forward_reply(\"20\"): the new reply code must be three digits",
        ),
        (
            "loadmodule \"sl.so\"\nroute[M] { xlog(\"$ltt(q)\"); }\n".into(),
            "$ltt(q): unknown key",
        ),
    ];
    let cases: Vec<_> = cases
        .iter()
        .map(|(to, expect)| ("loadmodule \"sl.so\"\n", to.as_str(), *expect))
        .collect();
    assert_refused(&base, &cases);
}

#[test]
fn bind_tm_0_makes_send_reply_stateless_as_native() {
    let dir = scratch("bindtm");
    let cfg = std::fs::read_to_string(host_cfg("parity.cfg"))
        .unwrap()
        .replace(
            "modparam(\"sl\", \"rich_redirect\", 3)",
            "modparam(\"sl\", \"rich_redirect\", 3)\nmodparam(\"sl\", \"bind_tm\", 0)",
        );
    std::fs::write(dir.join("k.cfg"), cfg).unwrap();
    let ours = Kamailio::start(&dir.join("k.cfg"), Sl::Ours, 1);
    let native = Kamailio::start(&dir.join("k.cfg"), Sl::Native, 1);
    let sock = udp_client();
    let msg = request(
        "INVITE",
        "send_reply_tm",
        "bindtm",
        sock.local_addr().unwrap().port(),
        "",
    );
    let a = ours.udp(&sock, &msg).expect("reply from ours");
    let b = native.udp(&sock, &msg).expect("reply from native");
    assert_eq!(mask_signature(&a), mask_signature(&b));
    // sl's own tag ('.'), though tm holds a transaction; $ltt(t) has nothing to give.
    assert!(a.starts_with("SIP/2.0 486 Busy TM\r\n"), "{a}");
    assert_eq!(to_tag(&a).as_bytes()[32], b'.', "{a}");
    assert_eq!(header(&a, "X-LTT-T"), Some("<null>"), "{a}");
}

#[test]
fn sip_warning_adds_the_cores_warning_header_as_native() {
    let dir = scratch("warning");
    let cfg = std::fs::read_to_string(test_cfg()).unwrap().replacen(
        "debug=2\n",
        "debug=2\nsip_warning=1\n",
        1,
    );
    std::fs::write(dir.join("k.cfg"), cfg).unwrap();
    let ours = Kamailio::start(&dir.join("k.cfg"), Sl::Ours, 1);
    let native = Kamailio::start(&dir.join("k.cfg"), Sl::Native, 1);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let msg = format!(
        "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKw;rport\r\n\
         Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\n\
         To: <sip:bob@127.0.0.1>\r\nCall-ID: warning@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    );
    // Each instance names its own listening port and pid in the Warning: mask those.
    let mask = |r: String| -> String {
        let r = mask_signature(&r);
        let at = r.find("Warning: 392 ").expect("a Warning header");
        let line_end = at + r[at..].find("\r\n").unwrap();
        let line = &r[at..line_end];
        let port = line[13..].split(' ').next().unwrap();
        let pid = line
            .split(" pid=")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        r.replace(port, "<listener>")
            .replace(&format!("pid={pid}"), "pid=<pid>")
    };
    let a = mask(ours.udp(&sock, &msg).expect("reply from ours"));
    let b = mask(native.udp(&sock, &msg).expect("reply from native"));
    assert_eq!(a, b);
    assert!(
        a.contains("\r\nContent-Length: 0\r\nWarning: 392 <listener> \"Noisy feedback tells:"),
        "{a}"
    );
}
