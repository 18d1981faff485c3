//! A Kamailio process: started with its own runtime dir, pid file and port on 127.0.0.1,
//! waited for until it answers, and stopped by pid (its workers with it).
use super::*;

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
        let (mut child, log) = spawn(
            cfg,
            sl,
            &run,
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

    /// Statistic `name` of group sl (`stats.get_statistics`; the config must load ctl and kex).
    pub fn sl_stat(&self, name: &str) -> u64 {
        let text = self.kamcmd(&["stats.get_statistics", "sl:"]);
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("sl:{name} = ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no sl:{name} in {text}"))
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
        Some(read_reply(&mut s)).filter(|r| !r.is_empty())
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

/// Starts Kamailio with its runtime files in `run`; returns it and its log file.
fn spawn(
    cfg: &Path,
    sl: Sl,
    run: &Path,
    defs: &[(&str, String)],
    extra: &[String],
    env: &[(&str, String)],
) -> (Child, PathBuf) {
    let log = run.join("kamailio.log");
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
    let out = std::fs::File::create(&log).expect("log file");
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    // Its own process group: whatever it leaves behind can be stopped with it.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd.spawn().expect("kamailio is installed (make deps)");
    (child, log)
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
    let (mut child, log) = spawn(
        &cfg,
        sl,
        &dir,
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

/// Reads one reply from a stream: up to its empty line (our replies carry no body here).
pub fn read_reply(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !out.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
