//! The other side of a test: UDP clients, a UAS, sipp runs, and what is compared of replies.
use super::*;

pub fn udp_client() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    s
}

pub fn sipp_scenario(name: &str) -> PathBuf {
    root().join("examples/sipp").join(name)
}

/// Masks the 32-hex-digit signature of every `tag=<sig>.<suffix>` (it depends on the
/// server's listening port); the per-request suffix stays and must match. `$ltt` values
/// printed as `X-LTT-*: <sig>.<suffix>` are masked the same way.
pub fn mask_signature(reply: &str) -> String {
    let mut out = String::with_capacity(reply.len());
    let mut rest = reply;
    while let Some((i, n)) = ["tag=", "X-LTT-S: ", "X-LTT-X: ", "X-LTT-T: "]
        .iter()
        .filter_map(|k| rest.find(k).map(|i| (i, k.len())))
        .min()
    {
        let (head, tail) = rest.split_at(i + n);
        out.push_str(head);
        // sl separates the suffix with '.', tm with '-'.
        let sig = tail.get(..33).filter(|s| {
            matches!(s.as_bytes()[32], b'.' | b'-')
                && s[..32].bytes().all(|b| b.is_ascii_hexdigit())
        });
        if sig.is_some() {
            out.push_str("<SIG>");
            rest = &tail[32..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// A UAS on a UDP socket: answers every request with `480 Temporarily Unavailable`, built from
/// the request's Via, From, To, Call-ID and CSeq lines.
pub fn spawn_uas() -> (u16, std::thread::JoinHandle<()>) {
    let uas = UdpSocket::bind("127.0.0.1:0").unwrap();
    uas.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = uas.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok((n, from)) = uas.recv_from(&mut buf) {
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            let mut reply = String::from("SIP/2.0 480 Temporarily Unavailable\r\n");
            for l in req.split("\r\n") {
                let name = l.split(':').next().unwrap_or("").to_ascii_lowercase();
                if ["via", "from", "to", "call-id", "cseq"].contains(&name.as_str()) {
                    reply.push_str(l);
                    reply.push_str("\r\n");
                }
            }
            reply.push_str("Content-Length: 0\r\n\r\n");
            uas.send_to(reply.as_bytes(), from).unwrap();
        }
    });
    (port, h)
}

/// Runs sipp's `scenario` (in `examples/sipp/`) against `k`: `calls` calls at `rate` per
/// second, at most `limit` at once. Asserts that sipp counted no failed call or timeout;
/// returns its final screen (the message table).
pub fn sipp_calls(k: &Kamailio, scenario: &str, calls: u64, rate: u64, limit: u64) -> String {
    sipp_calls_over(k, "u1", scenario, calls, rate, limit)
}

/// [`sipp_calls`] over sipp's `transport` (`u1`: UDP, `t1`: one TCP connection).
pub fn sipp_calls_over(
    k: &Kamailio,
    transport: &str,
    scenario: &str,
    calls: u64,
    rate: u64,
    limit: u64,
) -> String {
    let out = host_command("sipp")
        .args(["-t", transport])
        .arg("-sf")
        .arg(sipp_scenario(scenario))
        .args(["-m", &calls.to_string(), "-r", &rate.to_string()])
        .args(["-l", &limit.to_string(), "-i", "127.0.0.1"])
        .args(["-p", &free_port().to_string()])
        .args(["-timeout", "300s", "-timeout_error", "-nostdin"])
        .arg(format!("127.0.0.1:{}", k.port))
        .output()
        .expect("sipp is installed (make deps)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "sipp reported failed calls:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// For each `(from, to, expect)`: `base` with `from` replaced by `to` must make Kamailio
/// refuse to start with `expect` in its log.
pub fn assert_refused(base: &str, cases: &[(&str, &str, &str)]) {
    for (from, to, expect) in cases {
        let cfg = base.replacen(from, to, 1);
        assert_ne!(cfg, base, "`{from}` is not in the config");
        let (ok, log) = start_expecting_refusal(&cfg);
        assert!(!ok, "kamailio started with `{to}`");
        assert!(log.contains(expect), "no `{expect}` in the log:\n{log}");
    }
}
