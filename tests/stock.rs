//! Stock Debian modules on top of our sl, through the `bind_sl` API: registrar + usrloc,
//! auth, sanity, siputils, xhttp and xhttp_prom; and Debian's own kamailio.cfg. Where the
//! native sl can run the same config, the replies are compared with it.
#![cfg(feature = "kamailio")]

// Shared with the other host test crates; each uses part of it.
#[allow(dead_code)]
#[path = "host/support/mod.rs"]
mod support;

use std::process::Command;

use support::*;

fn curl(port: u16, path: &str, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-si", "--max-time", "5"])
        .args(args)
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl is installed (make deps)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Masks what legitimately differs between two servers: To-tag signatures, the digest nonce
/// (time-based) and the client port in the Via that xhttp fakes for an HTTP request.
fn masked(reply: &str) -> String {
    let mut out = mask_signature(reply);
    for (start, end) in [("nonce=\"", "\""), ("Sia: SIP/2.0/TCP 127.0.0.1:", "\r\n")] {
        if let Some(i) = out.find(start) {
            let from = i + start.len();
            let to = from + out[from..].find(end).unwrap_or(0);
            out.replace_range(from..to, "<MASKED>");
        }
    }
    out
}

#[test]
fn sanity_options_reply_auth_challenge_and_xhttp_equal_native() {
    let cfg = host_cfg("stock.cfg");
    let ours = Kamailio::start(&cfg, Sl::Ours, 2);
    let native = Kamailio::start(&cfg, Sl::Native, 2);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let req = |method: &str, uri: &str, cseq: &str, cid: &str| {
        format!(
            "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{cid};rport\r\n\
             From: <sip:alice@127.0.0.1>;tag=fa1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: {cid}\r\n\
             CSeq: {cseq}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let cases = [
        // sanity: the CSeq method must match the request's (sanity replies 400 through sl).
        (
            "sanity",
            req("INVITE", "sip:bob@127.0.0.1", "1 REGISTER", "sanity"),
        ),
        // siputils: options_reply() for an OPTIONS to the server itself.
        (
            "options_reply",
            req("OPTIONS", "sip:127.0.0.1", "1 OPTIONS", "options"),
        ),
        // auth: the digest challenge (www_challenge replies through sl).
        (
            "auth challenge",
            req("REGISTER", "sip:127.0.0.1", "1 REGISTER", "register"),
        ),
    ];
    let mut replies = Vec::new();
    for (name, msg) in &cases {
        let a = ours.udp(&sock, msg).unwrap_or_default();
        let b = native.udp(&sock, msg).unwrap_or_default();
        assert_eq!(masked(&a), masked(&b), "{name} differs");
        replies.push(a);
    }
    assert!(
        replies[0].starts_with("SIP/2.0 400 CSeq method does not match request method\r\n"),
        "{}",
        replies[0]
    );
    assert!(
        replies[1].starts_with("SIP/2.0 200 OK\r\n"),
        "{}",
        replies[1]
    );
    assert!(replies[1].contains("\r\nAccept: */*\r\n"), "{}", replies[1]);
    assert!(
        replies[2].starts_with("SIP/2.0 401 Unauthorized\r\n"),
        "{}",
        replies[2]
    );
    assert!(
        replies[2].contains("\r\nWWW-Authenticate: Digest realm=\"127.0.0.1\", nonce=\""),
        "{}",
        replies[2]
    );

    // xhttp: an HTTP request over TCP, answered by sl as an HTTP reply.
    let a = curl(ours.port, "/hello", &[]);
    let b = curl(native.port, "/hello", &[]);
    assert_eq!(masked(&a), masked(&b));
    // The core checks repeated headers only in SIP requests: an HTTP one may repeat From (and
    // the reply copies both, as native's does).
    let from = ["-H", "From: a@example.com", "-H", "From: b@example.com"];
    let a2 = curl(ours.port, "/hello", &from);
    assert_eq!(masked(&a2), masked(&curl(native.port, "/hello", &from)));
    assert!(
        a2.contains("\r\nFrom: a@example.com\r\nFrom: b@example.com\r\n"),
        "{a2}"
    );
    assert!(a.starts_with("HTTP/1.1 200 OK\r\n"), "{a}");
    assert!(a.contains("\r\nSia: SIP/2.0/TCP 127.0.0.1:"), "{a}");
    assert!(a.ends_with("\r\n\r\nhello from xhttp /hello\n"), "{a}");
    // sl:local-response ran for the HTTP reply as native runs it, with the faked CSeq.
    let lres = |k: &Kamailio| -> String {
        assert!(k.wait_log("LRES HTTP/"), "{}", k.log_text());
        let log = k.log_text();
        let line = log.lines().find(|l| l.contains("LRES HTTP/")).unwrap();
        line[line.find("LRES").unwrap()..].to_string()
    };
    let (a, b) = (lres(&ours), lres(&native));
    assert_eq!(a, b);
    assert!(a.ends_with("cseq=0"), "{a}");
}

#[test]
fn registrar_auth_and_lookup_work_on_our_sl_and_xhttp_prom_exports_its_statistics() {
    let k = Kamailio::start(&host_cfg("stock.cfg"), Sl::Ours, 2);
    // sipp registers alice with a Contact on `contact`, a socket of this test.
    let contact = udp_client();
    let cport = contact.local_addr().unwrap().port();
    let out = host_command("sipp")
        .arg("-sf")
        .arg(sipp_scenario("register-auth.xml"))
        .args(["-s", "alice", "-au", "alice", "-ap", "secret", "-m", "1"])
        .args(["-key", "contact_port", &cport.to_string()])
        .args(["-i", "127.0.0.1", "-p", &free_port().to_string()])
        .args(["-timeout", "30s", "-timeout_error", "-nostdin"])
        .arg(format!("127.0.0.1:{}", k.port))
        .output()
        .expect("sipp is installed (make deps)");
    // sipp checked the 200's Contact binding (`check_it`) and exits 0 when all went well.
    assert!(
        out.status.success(),
        "sipp failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        k.log_text()
    );
    assert!(k.wait_log("REGISTERED alice"), "{}", k.log_text());

    // The registrar's lookup routes an INVITE for alice to the registered Contact.
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let invite = format!(
        "INVITE sip:alice@127.0.0.1:{} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKlookup;rport\r\n\
         From: <sip:bob@127.0.0.1>;tag=b1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: lookup-1\r\n\
         CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        k.port
    );
    sock.send_to(invite.as_bytes(), ("127.0.0.1", k.port))
        .unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = contact
        .recv_from(&mut buf)
        .unwrap_or_else(|e| panic!("no INVITE at the contact ({e}); log:\n{}", k.log_text()));
    let got = String::from_utf8_lossy(&buf[..n]);
    assert!(
        got.starts_with(&format!("INVITE sip:alice@127.0.0.1:{cport} SIP/2.0\r\n")),
        "{got}"
    );

    // The 401 and the 200 went out through our module: its statistics count them, and
    // xhttp_prom exports them.
    let metrics = curl(k.port, "/metrics", &[]);
    let metric = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("kamailio_sl_{name} ")))
            .and_then(|v| v.split(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no kamailio_sl_{name} in {metrics}"))
    };
    assert_eq!(metric("401_replies"), 1, "{metrics}");
    assert_eq!(metric("200_replies"), 1, "{metrics}");
    assert!(metric("sent_replies") >= 2, "{metrics}");
}

#[test]
fn debian_stock_config_runs_with_our_sl_and_answers_register_and_options() {
    let stock = std::path::Path::new("/etc/kamailio/kamailio.cfg");
    let out = host_command("kamailio")
        .args(["-c", "-f"])
        .arg(stock)
        .arg("-L")
        .arg(module_path(Sl::Ours))
        .args(["-l", "udp:127.0.0.1:5999"])
        .output()
        .expect("kamailio is installed");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "kamailio -c refused the stock config:\n{text}"
    );

    let k = start_stock_config(Sl::Ours);
    let port = k.port;
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let register = format!(
        "REGISTER sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKreg;rport\r\n\
         From: <sip:carol@127.0.0.1>;tag=c1\r\nTo: <sip:carol@127.0.0.1>\r\nCall-ID: stock-reg\r\n\
         CSeq: 1 REGISTER\r\nContact: <sip:carol@127.0.0.1:{p}>\r\nExpires: 60\r\n\
         Max-Forwards: 70\r\nUser-Agent: sl-rs-test\r\nContent-Length: 0\r\n\r\n"
    );
    let r = k.udp(&sock, &register).expect("REGISTER answered");
    assert!(r.starts_with("SIP/2.0 200 OK\r\n"), "{r}");
    assert!(
        r.contains(&format!("Contact: <sip:carol@127.0.0.1:{p}>;expires=")),
        "{r}"
    );
    let options = format!(
        "OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKopt;rport\r\n\
         From: <sip:carol@127.0.0.1>;tag=c2\r\nTo: <sip:127.0.0.1>\r\nCall-ID: stock-opt\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nUser-Agent: sl-rs-test\r\nContent-Length: 0\r\n\r\n"
    );
    let r = k.udp(&sock, &options).expect("OPTIONS answered");
    assert!(r.starts_with("SIP/2.0 200 Keepalive\r\n"), "{r}");
}

/// Starts `siptrace.cfg` with `sl`, mirroring to a socket of the test; returns what the
/// mirror received for an INVITE answered by sl and the ACK that sl absorbed.
fn siptrace_run(sl: Sl, sock: &std::net::UdpSocket) -> Vec<String> {
    let mirror = udp_client();
    let dir = scratch("siptrace");
    let cfg = std::fs::read_to_string(host_cfg("siptrace.cfg"))
        .unwrap()
        .replace(
            "TRACE_URI",
            &format!("sip:127.0.0.1:{}", mirror.local_addr().unwrap().port()),
        );
    std::fs::write(dir.join("k.cfg"), cfg).unwrap();
    let k = Kamailio::start(&dir.join("k.cfg"), sl, 1);
    // The readiness probes were answered (and mirrored) too: drain them.
    let mut buf = [0u8; 65536];
    mirror
        .set_read_timeout(Some(std::time::Duration::from_millis(300)))
        .unwrap();
    while mirror.recv_from(&mut buf).is_ok() {}
    let p = sock.local_addr().unwrap().port();
    let invite = format!(
        "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKtrace;rport\r\n\
         From: <sip:alice@127.0.0.1>;tag=fa1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: trace-1\r\n\
         CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    );
    let reply = k.udp(sock, &invite).expect("reply");
    let tag = reply
        .split("To: <sip:bob@127.0.0.1>;tag=")
        .nth(1)
        .unwrap()
        .split("\r\n")
        .next()
        .unwrap();
    let ack = invite
        .replace("INVITE sip", "ACK sip")
        .replace("1 INVITE", "1 ACK")
        .replace(
            "To: <sip:bob@127.0.0.1>",
            &format!("To: <sip:bob@127.0.0.1>;tag={tag}"),
        );
    sock.send_to(ack.as_bytes(), ("127.0.0.1", k.port)).unwrap();
    let mut got = Vec::new();
    while let Ok((n, _)) = mirror.recv_from(&mut buf) {
        got.push(mask_signature(&String::from_utf8_lossy(&buf[..n])));
    }
    assert!(
        !k.log_text().contains("ACK-SEEN"),
        "the ACK was not absorbed"
    );
    got.sort();
    got
}

#[test]
fn siptrace_gets_the_sl_callbacks_as_from_native() {
    let sock = udp_client();
    let ours = siptrace_run(Sl::Ours, &sock);
    let native = siptrace_run(Sl::Native, &sock);
    assert_eq!(ours, native);
    // SLCB_REPLY_READY gave siptrace our reply, SLCB_ACK_FILTERED the absorbed ACK.
    assert!(
        ours.iter().any(|m| m.starts_with("SIP/2.0 404 Traced\r\n")),
        "{ours:?}"
    );
    assert!(
        ours.iter()
            .any(|m| m.starts_with("ACK sip:bob@127.0.0.1 SIP/2.0\r\n")),
        "{ours:?}"
    );
}
