//! Starting and stopping real Kamailio processes for the host tests, on 127.0.0.1 only.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const NATIVE_MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

/// Which sl.so a Kamailio loads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sl {
    Ours,
    Native,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Debian root holding the Kamailio under test (`SL_RS_HOST_ROOT`, set by
/// `make test-host HOST_SUITE=<suite>`); unset or empty: the machine's own Kamailio.
pub fn host_root() -> Option<PathBuf> {
    std::env::var_os("SL_RS_HOST_ROOT")
        .filter(|r| !r.is_empty())
        .map(PathBuf::from)
}

/// A command of the Kamailio under test (`kamailio`, `kamcmd`, `sipp`), run inside its root
/// when it has one (`scripts/in-root.sh`: same paths, same loopback, same pid).
pub fn host_command(program: &str) -> Command {
    match host_root() {
        Some(r) => {
            let mut c = Command::new(root().join("scripts/in-root.sh"));
            c.arg(r).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// The host's `kamailio -V` (version and compile flags).
pub fn host_version() -> String {
    let out = host_command("kamailio")
        .arg("-V")
        .output()
        .expect("kamailio is installed (make deps)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether the Kamailio under test is 6.0 or newer (what 6.0's sl adds is tested only there).
pub fn host_is_6() -> bool {
    host_version()
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("version: kamailio "))
        .and_then(|v| v.split('.').next())
        .and_then(|major| major.parse::<u32>().ok())
        .is_some_and(|major| major >= 6)
}

/// A folder holding our module as `sl.so`: `SL_RS_MODULE` when set (the load test measures the
/// release build, as it ships), else the library built with the tests (the test binary sits in
/// `<target>/debug/deps`, the library in `<target>/debug`).
pub fn our_module_dir() -> PathBuf {
    let lib = match std::env::var_os("SL_RS_MODULE") {
        Some(so) => PathBuf::from(so),
        None => std::env::current_exe()
            .expect("test binary path")
            .parent()
            .and_then(Path::parent)
            .expect("target/debug")
            .join("libsl_rs.so"),
    };
    assert!(
        lib.exists(),
        "{} is missing: run `make test-host`",
        lib.display()
    );
    let dir = scratch("module");
    std::fs::copy(&lib, dir.join("sl.so")).expect("copy module");
    dir
}

/// The module folder path (`-L`) for `sl`: ours first, then Debian's modules.
pub fn module_path(sl: Sl) -> String {
    match sl {
        Sl::Ours => format!("{}:{NATIVE_MODULES}", our_module_dir().display()),
        Sl::Native => NATIVE_MODULES.to_string(),
    }
}

/// A new empty folder under the target dir.
pub fn scratch(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// A port free for both UDP and TCP on 127.0.0.1.
pub fn free_port() -> u16 {
    loop {
        let u = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = u.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A running Kamailio, stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Kamailio {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
    pub sl: Sl,
    /// The runtime dir (`-Y`): ctl's socket is `kamailio_ctl` in it.
    pub run: PathBuf,
}

impl Kamailio {
    /// Starts `cfg` with the given sl and `children` workers, and waits until it answers.
    pub fn start(cfg: &Path, sl: Sl, children: u32) -> Kamailio {
        Kamailio::start_at(cfg, sl, children, free_port())
    }

    /// Like `start`, on a given port.
    pub fn start_at(cfg: &Path, sl: Sl, children: u32, port: u16) -> Kamailio {
        Kamailio::start_args(cfg, sl, children, port, &[])
    }

    /// Like `start_at`, with extra command-line arguments (e.g. `-l` for a config without
    /// `listen` lines).
    pub fn start_args(cfg: &Path, sl: Sl, children: u32, port: u16, extra: &[String]) -> Kamailio {
        Kamailio::launch(cfg, sl, children, port, extra, &[])
    }

    /// Like `start`, with extra environment variables for Kamailio.
    pub fn start_env(cfg: &Path, sl: Sl, children: u32, env: &[(&str, String)]) -> Kamailio {
        Kamailio::launch(cfg, sl, children, free_port(), &[], env)
    }

    fn launch(
        cfg: &Path,
        sl: Sl,
        children: u32,
        port: u16,
        extra: &[String],
        env: &[(&str, String)],
    ) -> Kamailio {
        let run = scratch("run");
        let log = run.join("kamailio.log");
        let mut child = spawn(
            cfg,
            sl,
            &run,
            &log,
            &[
                ("SIP_PORT", port.to_string()),
                ("CHILDREN", children.to_string()),
            ],
            extra,
            env,
        );
        if let Ok(Some(status)) = child.try_wait() {
            panic!("kamailio exited at once ({status})");
        }
        let k = Kamailio {
            child,
            port,
            log,
            sl,
            run,
        };
        k.wait_ready();
        k
    }

    fn wait_ready(&self) {
        let sock = udp_client();
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut n = 0;
        while Instant::now() < deadline {
            n += 1;
            let probe = format!(
                "OPTIONS sip:ready@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bKready{n};rport\r\n\
                 From: <sip:t@127.0.0.1>;tag=r\r\nTo: <sip:ready@127.0.0.1>\r\nCall-ID: ready-{n}\r\nCSeq: 1 OPTIONS\r\n\r\n",
                sock.local_addr().unwrap().port()
            );
            sock.send_to(probe.as_bytes(), ("127.0.0.1", self.port))
                .unwrap();
            let mut buf = [0u8; 4096];
            if sock.recv_from(&mut buf).is_ok() {
                return;
            }
        }
        panic!(
            "kamailio ({:?}) did not answer within 15 s; log:\n{}",
            self.sl,
            self.log_text()
        );
    }

    /// Runs `kamcmd` on this instance's ctl socket (the config must load ctl).
    pub fn kamcmd(&self, args: &[&str]) -> String {
        let out = host_command("kamcmd")
            .arg("-s")
            .arg(format!("unixs:{}", self.run.join("kamailio_ctl").display()))
            .args(args)
            .output()
            .expect("kamcmd is installed with kamailio");
        assert!(
            out.status.success(),
            "kamcmd {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits up to 3 s for `text` to appear in the log.
    pub fn wait_log(&self, text: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if self.log_text().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the main process still runs (a dead worker makes it shut down).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends one request over UDP from `sock` and returns the reply.
    pub fn udp(&self, sock: &UdpSocket, msg: &str) -> Option<String> {
        sock.send_to(msg.as_bytes(), ("127.0.0.1", self.port))
            .unwrap();
        let mut buf = vec![0u8; 65536];
        let (n, _) = sock.recv_from(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// Sends one request over a new TCP connection and returns the reply.
    pub fn tcp(&self, msg: &str) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        s.write_all(msg.as_bytes()).ok()?;
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // A reply ends with its empty line (our replies carry no body here).
        while !out.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        (!out.is_empty()).then(|| String::from_utf8_lossy(&out).into_owned())
    }
}

impl Kamailio {
    /// Stops this Kamailio (SIGTERM to the process this guard started; it stops its
    /// workers), waiting up to `wait`; SIGKILL after that. True when it stopped by itself.
    /// Either way, workers left behind in its process group are killed: Kamailio's workers
    /// can hang in their SIGTERM handler (it takes the cfg lock, which a worker interrupted
    /// inside it never releases), and a test must not leave processes running.
    pub fn terminate(&mut self, wait: Duration) -> bool {
        let pid = self.child.id().to_string();
        let mut stopped = true;
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let deadline = Instant::now() + wait;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if matches!(self.child.try_wait(), Ok(None)) {
                eprintln!("kamailio {pid} did not stop within {wait:?}: killed");
                let _ = self.child.kill();
                let _ = self.child.wait();
                stopped = false;
            }
        }
        // The group id is the main process's pid, not reused while the group has members.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stderr(Stdio::null())
            .status();
        stopped
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.terminate(Duration::from_secs(10));
    }
}

fn spawn(
    cfg: &Path,
    sl: Sl,
    run: &Path,
    log: &Path,
    defs: &[(&str, String)],
    extra: &[String],
    env: &[(&str, String)],
) -> Child {
    let mpath = module_path(sl);
    let mut cmd = host_command("kamailio");
    cmd.args(["-DD", "-E", "-f"])
        .arg(cfg)
        .arg("-L")
        .arg(mpath)
        .arg("-Y")
        .arg(run)
        .arg("-P")
        .arg(run.join("kamailio.pid"));
    for (k, v) in defs {
        cmd.arg("-A").arg(format!("{k}={v}"));
    }
    cmd.args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = std::fs::File::create(log).expect("log file");
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    // Its own process group: whatever it leaves behind can be stopped with it.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.spawn().expect("kamailio is installed (make deps)")
}

/// Runs Kamailio on a config expected to be refused; returns (exit success, log).
pub fn start_expecting_refusal(cfg_text: &str) -> (bool, String) {
    start_expecting_refusal_env(cfg_text, &[])
}

/// Like `start_expecting_refusal`, with extra environment variables for Kamailio.
pub fn start_expecting_refusal_env(cfg_text: &str, env: &[(&str, String)]) -> (bool, String) {
    start_expecting_refusal_by(Sl::Ours, cfg_text, env)
}

/// Like `start_expecting_refusal_env`, with the given sl.
pub fn start_expecting_refusal_by(
    sl: Sl,
    cfg_text: &str,
    env: &[(&str, String)],
) -> (bool, String) {
    let dir = scratch("refuse");
    let cfg = dir.join("k.cfg");
    std::fs::write(&cfg, cfg_text).unwrap();
    let log = dir.join("log");
    let mut child = spawn(
        &cfg,
        sl,
        &dir,
        &log,
        &[
            ("SIP_PORT", free_port().to_string()),
            ("CHILDREN", "1".into()),
        ],
        &[],
        env,
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.is_some_and(|s| s.success()),
        std::fs::read_to_string(&log).unwrap_or_default(),
    )
}

pub fn udp_client() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    s
}

/// Debian's own `/etc/kamailio/kamailio.cfg` (of the host under test) with `sl`, listening on
/// 127.0.0.1 only (it has no `listen` line) with two UDP workers.
pub fn start_stock_config(sl: Sl) -> Kamailio {
    let port = free_port();
    Kamailio::start_args(
        Path::new("/etc/kamailio/kamailio.cfg"),
        sl,
        1,
        port,
        &[
            "-l".into(),
            format!("udp:127.0.0.1:{port}"),
            "-n".into(),
            "2".into(),
        ],
    )
}

/// A config from `tests/host/`.
pub fn host_cfg(name: &str) -> PathBuf {
    root().join("tests/host").join(name)
}

pub fn test_cfg() -> PathBuf {
    root().join("tests/host/test.cfg")
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
    let out = host_command("sipp")
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
