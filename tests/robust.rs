//! Hostile input against the real host: a malformed-message corpus over UDP and TCP, header
//! injection through variables, and replies too big for Kamailio's buffer. The rule for
//! every message: a well-formed reply, or no reply and a log line; no worker dies; the next
//! normal request is answered.
#![cfg(feature = "kamailio")]

// Shared with the other host test crates; each uses part of it.
#[allow(dead_code)]
#[path = "host/support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::*;

const HEAD: &str =
    "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: CID\r\nCSeq: 1 INVITE\r\n";

/// The corpus: (name, message) with `{P}` for the client's port and `CID` for a Call-ID.
fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let via = "Via: SIP/2.0/UDP 127.0.0.1:{P};branch=z9hG4bKCID;rport\r\n";
    let ok = |extra: &str| {
        format!("INVITE sip:b@127.0.0.1 SIP/2.0\r\n{via}{HEAD}{extra}Content-Length: 0\r\n\r\n")
    };
    let many_vias: String = (0..2000)
        .map(|i| format!("SIP/2.0/UDP h{i}.example, "))
        .collect();
    let garbage: Vec<u8> = (0..3000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    vec![
        ("truncated first line", b"INVITE sip:bob.builder@127.0.0.1 SIP/2".to_vec()),
        ("first line only", b"INVITE sip:b@127.0.0.1 SIP/2.0\r\n".to_vec()),
        ("no crlf at all", ok("").replace("\r\n", "").into_bytes()),
        ("cr only line ends", ok("").replace("\r\n", "\r").into_bytes()),
        ("binary garbage", garbage),
        ("nul in first line", ok("").replacen("INVITE", "INV\0TE", 1).into_bytes()),
        ("nul in a header", ok("X-Nul: a\0b\r\n").into_bytes()),
        ("nul in via", ok("").replacen("127.0.0.1:{P}", "127.0.0.1\0:{P}", 1).into_bytes()),
        ("60 KB header", ok(&format!("X-Long: {}\r\n", "x".repeat(60_000))).into_bytes()),
        ("2000 via values", ok("").replacen(";rport\r\n", &format!(";rport, {many_vias}SIP/2.0/UDP last\r\n"), 1).into_bytes()),
        ("bad content-length", ok("").replace("Content-Length: 0", "Content-Length: abc").into_bytes()),
        ("content-length too big", ok("").replace("Content-Length: 0", "Content-Length: 99999").into_bytes()),
        ("negative content-length", ok("").replace("Content-Length: 0", "Content-Length: -5").into_bytes()),
        ("duplicate to", ok("To: <sip:c@127.0.0.1>\r\n").into_bytes()),
        ("duplicate from", ok("From: <sip:c@127.0.0.1>;tag=2\r\n").into_bytes()),
        ("duplicate call-id", ok("Call-ID: other\r\n").into_bytes()),
        ("duplicate cseq", ok("CSeq: 2 INVITE\r\n").into_bytes()),
        ("unterminated quote in to", ok("").replace("To: <sip:b@127.0.0.1>", "To: \"Bob <sip:b@127.0.0.1>").into_bytes()),
        ("unterminated bracket in to", ok("").replace("To: <sip:b@127.0.0.1>", "To: <sip:b@127.0.0.1").into_bytes()),
        ("unterminated quote in via", ok("").replace(";rport\r\n", ";rport;x=\"open\r\n").into_bytes()),
        ("ipv6 bracket unbalanced", ok("").replace("127.0.0.1:{P}", "[2001:db8::1:5060").into_bytes()),
        ("ipv6 bracket closing only", ok("").replace("127.0.0.1:{P}", "2001:db8::1]:5060").into_bytes()),
        ("compact and folded mixed",             "INVITE sip:b@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:{P}\r\n ;branch=z9hG4bKCID;rport\r\n\
             f: <sip:a@127.0.0.1>\r\n\t;tag=1\r\nTo:\r\n <sip:b@127.0.0.1>\r\ni: CID\r\nCSeq: 1\r\n INVITE\r\nl: 0\r\n\r\n"
            .as_bytes()
            .to_vec()),
        ("empty via value", ok("").replacen(via, &format!("{via}Via:\r\n"), 1).into_bytes()),
        ("header without colon", ok("Just text\r\n").into_bytes()),
        ("reply instead of request", format!("SIP/2.0 200 OK\r\n{via}{HEAD}Content-Length: 0\r\n\r\n").into_bytes()),
    ]
}

fn fill(msg: &[u8], port: u16, cid: &str) -> Vec<u8> {
    let s = String::from_utf8_lossy(msg);
    if s.contains("{P}") || s.contains("CID") {
        // Only messages that are text; the binary ones go as they are.
        if std::str::from_utf8(msg).is_ok() {
            return s
                .replace("{P}", &port.to_string())
                .replace("CID", cid)
                .into_bytes();
        }
        let mut out = msg.to_vec();
        for (from, to) in [("{P}", port.to_string()), ("CID", cid.to_string())] {
            while let Some(i) = out.windows(from.len()).position(|w| w == from.as_bytes()) {
                out.splice(i..i + from.len(), to.bytes());
            }
        }
        return out;
    }
    msg.to_vec()
}

/// A reply is well-formed: status line, one head ending in an empty line, a Content-Length
/// that matches the body.
fn well_formed(reply: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(reply);
    let status = text.split("\r\n").next().unwrap_or("");
    let code = status.strip_prefix("SIP/2.0 ").and_then(|r| r.get(..3));
    if !code.is_some_and(|c| c.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("bad status line {status:?}"));
    }
    let end = text.find("\r\n\r\n").ok_or("no end of head")? + 4;
    let cl: usize = text[..end]
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .ok_or("no Content-Length")?
        .trim()
        .parse()
        .map_err(|_| "bad Content-Length")?;
    if reply.len() - end != cl {
        return Err(format!(
            "body of {} bytes, Content-Length {cl}",
            reply.len() - end
        ));
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn normal(port: u16, cid: &str) -> String {
    format!("OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{cid};rport\r\n{}Content-Length: 0\r\n\r\n", HEAD.replace("CID", cid).replace("1 INVITE", "1 OPTIONS"))
}

#[test]
fn the_malformed_corpus_over_udp_and_tcp_gets_replies_or_log_lines_and_kills_nothing() {
    let mut k = Kamailio::start(&test_cfg(), Sl::Ours, 2);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let mut report = Vec::new();
    let (mut replied, mut dropped) = (0, 0);
    for (i, (name, msg)) in corpus().into_iter().enumerate() {
        for tcp in [false, true] {
            let cid = format!("m{i}{}", if tcp { "t" } else { "u" });
            let log_before = k.log_text().lines().count();
            let msg = fill(&msg, p, &cid);
            // TCP: what the connection gave back, and whether the server still held it open
            // (an incomplete message: the core waits for the rest of it).
            let (reply, waiting) = if tcp {
                let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
                s.set_read_timeout(Some(Duration::from_millis(700)))
                    .unwrap();
                let _ = s.write_all(&msg);
                let mut out = Vec::new();
                let mut buf = [0u8; 65536];
                let waiting = loop {
                    match s.read(&mut buf) {
                        Ok(0) => break false,
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(_) => break true,
                    }
                };
                ((!out.is_empty()).then_some(out), waiting)
            } else {
                sock.send_to(&msg, ("127.0.0.1", k.port)).unwrap();
                let mut buf = vec![0u8; 65536];
                sock.set_read_timeout(Some(Duration::from_millis(700)))
                    .unwrap();
                (
                    sock.recv_from(&mut buf)
                        .ok()
                        .map(|(n, _)| buf[..n].to_vec()),
                    false,
                )
            };
            let how = if tcp { "tcp" } else { "udp" };
            match reply {
                Some(r) => {
                    replied += 1;
                    if let Err(e) = well_formed(&r) {
                        report.push(format!(
                            "{name} ({how}): malformed reply: {e}\n{}",
                            String::from_utf8_lossy(&r)
                        ));
                    }
                }
                None => {
                    dropped += 1;
                    // Dropped: by the core's parser or by us, with a line in the log.
                    std::thread::sleep(Duration::from_millis(100));
                    if k.log_text().lines().count() == log_before && !waiting {
                        report.push(format!("{name} ({how}): dropped without a log line"));
                    }
                }
            }
            // The next normal request is answered.
            sock.set_read_timeout(Some(Duration::from_millis(1500)))
                .unwrap();
            let r = k.udp(&sock, &normal(p, &format!("n{i}{how}")));
            if !r
                .as_deref()
                .is_some_and(|r| r.starts_with("SIP/2.0 404 Not Here\r\n"))
            {
                report.push(format!("{name} ({how}): the next request got {r:?}"));
            }
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    assert!(
        replied > 5 && dropped > 5,
        "replied {replied}, dropped {dropped}"
    );
    let log = k.log_text();
    assert!(
        !log.contains("exited by a signal") && !log.contains("terminating due to SIGCHLD"),
        "{log}"
    );
    assert!(k.alive());
}

#[test]
fn reasons_with_cr_lf_or_nul_and_over_long_reasons_are_refused_not_sent() {
    let k = Kamailio::start(&test_cfg(), Sl::Ours, 1);
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let req = |cid: &str, extra: &str| {
        format!(
            "INVITE sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bK{cid};rport\r\n{}{extra}Content-Length: 0\r\n\r\n",
            HEAD.replace("CID", cid)
        )
    };
    let cases = [
        // a folded header value carries CR LF into $hdr()
        (
            "folded",
            "X-Code: 486\r\nX-Reason: Busy\r\n X-Injected: yes\r\n".to_string(),
        ),
        // decoded from the request by a transformation (hex, so any byte can come out)
        (
            "crlf-decoded",
            format!(
                "X-Action: unescape\r\nX-Reason: {}\r\n",
                hex(b"Busy\r\nX-Injected: yes")
            ),
        ),
        (
            "lf-decoded",
            format!(
                "X-Action: unescape\r\nX-Reason: {}\r\n",
                hex(b"Busy\nX-Injected: yes")
            ),
        ),
        (
            "nul-decoded",
            format!(
                "X-Action: unescape\r\nX-Reason: {}\r\n",
                hex(b"Busy\0X-Injected: yes")
            ),
        ),
    ];
    for (cid, extra) in &cases {
        let r = k
            .udp(&sock, &req(cid, extra))
            .unwrap_or_else(|| panic!("{cid}: no reply"));
        assert!(r.starts_with("SIP/2.0 500 Fallback\r\n"), "{cid}: {r}");
        assert!(!r.contains("X-Injected"), "{cid}: {r}");
        // Exactly one datagram: no second message on the wire.
        let mut buf = [0u8; 4096];
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        assert!(
            sock.recv_from(&mut buf).is_err(),
            "{cid}: a second datagram"
        );
        sock.set_read_timeout(Some(Duration::from_millis(1500)))
            .unwrap();
        assert!(k.wait_log(&format!("SL-FAILED {cid}")), "{cid}");
    }
    let log = k.log_text();
    assert!(
        log.contains("reason phrase holds a control character (CR, LF, NUL...); no reply sent"),
        "{log}"
    );
    // Text of any length, none too, goes out as native sends it (RFC 3261 allows both); 6.1's
    // native refuses an empty reason with one error line, and so does ours there.
    let empty_refused = host_at_least(6, 1);
    for (cid, reason) in [("long", "r".repeat(300)), ("empty", String::new())] {
        let r = k
            .udp(
                &sock,
                &req(cid, &format!("X-Code: 486\r\nX-Reason: {reason}\r\n")),
            )
            .unwrap();
        if empty_refused && reason.is_empty() {
            assert!(r.starts_with("SIP/2.0 500 Fallback\r\n"), "{r}");
            assert!(k.wait_log(&format!("SL-FAILED {cid}")), "{cid}");
        } else {
            assert!(r.starts_with(&format!("SIP/2.0 486 {reason}\r\n")), "{r}");
        }
    }
    assert_eq!(
        k.log_text()
            .matches("sl_send_reply: reply reason is null or empty; no reply sent")
            .count(),
        usize::from(empty_refused)
    );
}

#[test]
fn replies_too_big_for_the_buffer_fail_cleanly_and_are_counted() {
    let k = Kamailio::start(&host_cfg("parity.cfg"), Sl::Ours, 1);
    let failures = || k.sl_stat("failures");
    let sock = udp_client();
    let p = sock.local_addr().unwrap().port();
    let before = failures();
    // Huge lumps: three 30 KB headers queued with append_to_reply.
    let huge = format!(
        "INVITE sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKhuge;rport\r\n{}X-Action: huge\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
        HEAD.replace("CID", "huge"),
        "b".repeat(30_000)
    );
    assert_eq!(
        k.udp(&sock, &huge),
        None,
        "a reply that cannot fit is not sent"
    );
    assert!(k.wait_log("HUGE-FAILED huge"));
    // Very many Via headers: their copy plus To-tag, received and rport overflows.
    // Near UDP's 65507-byte limit, nearly all of it Vias that the reply must copy.
    let head = format!(
        "INVITE sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{p};branch=z9hG4bKmany;rport\r\n"
    );
    let tail = format!("{}Content-Length: 0\r\n\r\n", HEAD.replace("CID", "many"));
    let mut vias = String::new();
    let mut i = 0;
    while head.len() + vias.len() + tail.len() < 65_440 {
        vias.push_str(&format!(
            "Via: SIP/2.0/UDP 10.0.{}.{}:5060\r\n",
            i / 250,
            i % 250
        ));
        i += 1;
    }
    let many = format!("{head}{vias}{tail}");
    assert!(many.len() > 65_400 && many.len() < 65_507, "{}", many.len());
    assert_eq!(
        k.udp(&sock, &many),
        None,
        "a reply that cannot fit is not sent"
    );
    assert!(
        k.wait_log("reply does not fit in the reply buffer"),
        "{}",
        k.log_text()
    );
    assert_eq!(failures(), before + 2, "{}", k.log_text());
    // The next request is answered.
    let r = k.udp(&sock, &normal(p, "after-big")).expect("answered");
    assert!(r.starts_with("SIP/2.0 404 Not Here\r\n"), "{r}");
}

#[test]
fn over_tcp_a_reply_past_64_kb_goes_out_as_native_sends_it() {
    // The 30 KB request needs a TCP read buffer larger than the core's default.
    let dir = scratch("huge-tcp");
    let cfg = std::fs::read_to_string(host_cfg("parity.cfg"))
        .unwrap()
        .replacen("\n", "\ntcp_rd_buf_size=131072\n", 1);
    std::fs::write(dir.join("k.cfg"), cfg).unwrap();
    let ours = Kamailio::start(&dir.join("k.cfg"), Sl::Ours, 1);
    let native = Kamailio::start(&dir.join("k.cfg"), Sl::Native, 1);
    // Three 30 KB lumps: a 90 KB reply, too big for a datagram, not for a stream.
    let huge = format!(
        "INVITE sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKhugetcp\r\n{}X-Action: huge\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
        HEAD.replace("CID", "huge-tcp"),
        "b".repeat(30_000)
    );
    let a = ours.tcp(&huge).map(|r| mask_signature(&r));
    let b = native.tcp(&huge).map(|r| mask_signature(&r));
    let reply = a
        .as_deref()
        .unwrap_or_else(|| panic!("no reply from ours:\n{}", ours.log_text()));
    assert!(
        reply.starts_with("SIP/2.0 200 Huge\r\n") && reply.len() > 90_000,
        "{}",
        reply.len()
    );
    assert_eq!(a, b);
    assert!(!ours.log_text().contains("HUGE-FAILED"));
}
