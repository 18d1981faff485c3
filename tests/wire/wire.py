#!/usr/bin/env python3
"""Wire-level differential fuzzing: seeded mutations of real request shapes, sent to a Kamailio
with our sl.so and to one with Debian's native sl.so (same config, tests/wire/wire.cfg), over
UDP and TCP on 127.0.0.1; the replies (or their absence) are compared, with the To-tag's
signature masked (its suffix must match).

  wire.py [-n N] [--seed S] [--tcp-every K] [--out DIR] [--lenient] MODULE_DIR
                                                       fuzz; exit 1 on a difference
                                                       (--lenient: both under sip_parser_mode=0)
  wire.py MODULE_DIR --replay FILE...                                  resend saved requests

After each request the same socket (UDP) or connection (TCP) sends a probe; its reply closes
what that request got, so "no reply" needs no timeout. Each differing request is written to
DIR/NNNNN-KIND.sip (the bytes as sent) with DIR/NNNNN-KIND.txt (both replies) for replay.
Kinds: same (both answered alike), silent (neither answered), ours-only, native-only, differ;
and injection: native sent a reason with a control character taken from the request, which
ours refuses (the README's one deliberate difference), counted apart and not as a failure.
"""
import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NATIVE = "/usr/lib/x86_64-linux-gnu/kamailio/modules"

SDP = "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"


def seeds():
    """Request shapes: methods, compact and long forms, several Vias, IPv6, bodies."""
    via = "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK{n};rport\r\n"
    def req(method, extra="", body="", to="To: <sip:bob@127.0.0.1>\r\n", vias=via, user="bob"):
        return (f"{method} sip:{user}@127.0.0.1 SIP/2.0\r\n{vias}Max-Forwards: 70\r\n"
                f"From: \"Alice\" <sip:alice@127.0.0.1>;tag=a{{n}}\r\n{to}Call-ID: w{{n}}@127.0.0.1\r\n"
                f"CSeq: 1 {method}\r\n{extra}Content-Length: {len(body)}\r\n\r\n{body}")
    return [
        req("INVITE", "Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Type: application/sdp\r\n", SDP),
        req("OPTIONS", "Accept: application/sdp\r\n"),
        req("REGISTER", "Contact: <sip:alice@127.0.0.1:5070>;expires=300\r\nExpires: 300\r\n"),
        req("SUBSCRIBE", "Event: presence\r\nExpires: 600\r\nContact: <sip:alice@127.0.0.1:5070>\r\n"),
        req("MESSAGE", "Content-Type: text/plain\r\n", "hello there"),
        req("CANCEL"),
        req("BYE", "Route: <sip:127.0.0.1;lr>\r\n", to="To: <sip:bob@127.0.0.1>;tag=b9\r\n"),
        req("INVITE", "Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\nX-Code: 180\r\n"),
        req("INVITE", "X-Action: lump\r\n"),
        req("INVITE", "X-Action: error\r\n"),
        req("INVITE", "X-Reason: Forbidden here\r\n"),
        req("INVITE", vias=via + "Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKx, SIP/2.0/UDP [2001:db8::1]\r\n"),
        req("OPTIONS", vias="Via: SIP/2.0/UDP [::1]:5070;branch=z9hG4bK{n}\r\n"),
        ("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK{n};rport\r\n"
         "f: <sip:a@127.0.0.1>;tag=c{n}\r\nt: <sip:bob@127.0.0.1>\r\ni: c{n}@x\r\nCSeq: 2 INVITE\r\n"
         "m: <sip:a@127.0.0.1>\r\nl: 0\r\n\r\n"),
        # To "late" (wire.cfg): answered before the script reads a header, so the lines after
        # CSeq are the module's to read, or the core's parser's to judge.
        req("INVITE", "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKl{n}\r\nRetry-After: 30\r\n"
            "Record-Route: <sip:p1.example;lr>\r\n", user="late"),
        req("OPTIONS", "Contact: <sip:alice@127.0.0.1:5070>\r\nTo: <sip:carol@127.0.0.1>\r\n"
            "CSeq: 2 OPTIONS\r\n", user="late"),
        req("INVITE", "Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Type: application/sdp\r\n"
            "Subject: a\r\n  folded line\r\nl: 0\r\n", SDP, user="late"),
        ("INVITE sip:late@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK{n};rport\r\n"
         "f: <sip:a@127.0.0.1>;tag=c{n}\r\nt: <sip:late@127.0.0.1>\r\ni: c{n}@x\r\nCSeq: 2 INVITE\r\n"
         "m: <sip:a@127.0.0.1>\r\nv: SIP/2.0/TCP 10.0.0.3;branch=z9hG4bKv{n}\r\nRecord-Route: <sip:p;lr>\r\n"
         "Max-Forwards: 9\r\nl: 0\r\n\r\n"),
    ]


TOKENS = [b"\r", b"\n", b"\r\n", b"\x00", b" ", b"\t", b";", b":", b",", b"<", b">", b"\"", b"=",
          b"SIP/2.0", b"Via: ", b"tag=", b"branch=", b"rport", b"To: ", b"Content-Length: 0\r\n"]


def mutate(rng, msg):
    """One to three edits: byte flips, inserted CR/LF/NUL/8-bit bytes and SIP tokens, deleted or
    duplicated lines, case flips, LF-only line ends."""
    m = bytearray(msg)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(7)
        at = rng.randrange(len(m) + 1)
        if op == 0 and m:
            m[min(at, len(m) - 1)] = rng.randrange(256)
        elif op == 1:
            ins = rng.choice(TOKENS) if rng.random() < 0.7 else bytes([rng.randrange(0x80, 0x100)])
            m[at:at] = ins
        elif op in (2, 3):
            lines = bytes(m).split(b"\n")
            if len(lines) > 2:
                k = rng.randrange(len(lines) - 1)
                if op == 2:
                    del lines[k]
                else:
                    lines.insert(k, lines[k])
                m = bytearray(b"\n".join(lines))
        elif op == 4:
            j = min(at + rng.randint(1, 12), len(m))
            m[at:j] = bytes(m[at:j]).swapcase()
        elif op == 5:
            m = bytearray(bytes(m).replace(b"\r\n", b"\n") if rng.random() < 0.5
                          else bytes(m).replace(b"\r\n", b"\n", rng.randint(1, 3)))
        elif m:
            j = min(at + rng.randint(1, 8), len(m))
            del m[at:j]
    return bytes(m)


class Kamailio:
    def __init__(self, name, module_dir, port, lenient):
        self.work = os.path.join(ROOT, "target", "wire", "run-" + name)
        os.makedirs(self.work, exist_ok=True)
        path = f"{module_dir}:{NATIVE}" if module_dir else NATIVE
        self.port = port
        self.log = open(os.path.join(self.work, "kamailio.log"), "w")
        # SL_RS_HOST_ROOT: the Kamailio of a Debian root (make ... HOST_SUITE=<suite>), run in it.
        host_root = os.environ.get("SL_RS_HOST_ROOT")
        in_root = [os.path.join(ROOT, "scripts/in-root.sh"), host_root] if host_root else []
        self.proc = subprocess.Popen(
            in_root + ["kamailio", "-DD", "-E", "-f", os.path.join(ROOT, "tests/wire/wire.cfg"), "-L", path,
             "-Y", self.work, "-P", os.path.join(self.work, "k.pid"), "-A", f"SIP_PORT={port}"]
            + (["-A", "LENIENT_PARSER"] if lenient else []),
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            u.bind(("127.0.0.1", 0))
            p = u.getsockname()[1]
            try:
                t.bind(("127.0.0.1", p))
                return p
            except OSError:
                continue
    sys.exit("no free port")


def probe(tag):
    return (f"OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKp{tag}\r\n"
            f"From: <sip:p@127.0.0.1>;tag=p\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: probe-{tag}\r\n"
            f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


SIG = re.compile(rb"tag=[0-9a-f]{32}\.")
# Each TCP exchange comes from a connection of its own: its source port is not compared.
RPORT = re.compile(rb";rport=\d+")


def udp_exchange(sock, port, msg, tag):
    """What `msg` got before the probe's reply: a list of replies (normally 0 or 1)."""
    sock.sendto(msg, ("127.0.0.1", port))
    sock.sendto(probe(tag), ("127.0.0.1", port))
    got = []
    while True:
        try:
            r = sock.recv(65535)
        except socket.timeout:
            return got + [b"<probe not answered>"]
        if f"probe-{tag}".encode() in r:
            return got
        got.append(r)


def tcp_exchange(port, msg, tag):
    """The bytes a TCP connection got for `msg` before the probe's reply (or until it closed or
    went quiet: a Content-Length the body does not reach makes Kamailio wait)."""
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
        c.sendall(msg + probe(tag))
        c.settimeout(0.3)
        marker = f"probe-{tag}".encode()
        while marker not in data:
            try:
                chunk = c.recv(65535)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            data += chunk
    i = data.find(marker)
    if i >= 0:  # cut the probe's reply off: it starts at the last status line before its Call-ID
        data = data[:data.rfind(b"SIP/2.0 ", 0, i)]
    return [data] if data else []


def masked(replies):
    return [RPORT.sub(b";rport=<port>", SIG.sub(b"tag=<signature>.", r)) for r in replies]


def reason_header(msg):
    """The value $hdr(X-Reason) gives for the first X-Reason line (folds kept), or None."""
    lines = msg.split(b"\n")
    for i, line in enumerate(lines):
        m = re.match(rb"(?i)x-reason[ \t]*:(.*)$", line, re.S)
        if not m:
            continue
        value = m.group(1)
        for cont in lines[i + 1:]:
            if not cont[:1] in (b" ", b"\t"):
                break
            value += b"\n" + cont
        # Leading blanks and folds go, as the core skips them; a lone CR stays in the value.
        while True:
            value = value.lstrip(b" \t")
            fold = next((f for f in (b"\r\n", b"\n") if value.startswith(f)
                         and value[len(f):len(f) + 1] in (b" ", b"\t")), None)
            if fold is None:
                break
            value = value[len(fold):]
        return value.rstrip(b" \t\r\n")
    return None


def injection(msg, ours, native):
    """Ours refused a reason with a control character that native sent: the injection rule."""
    value = reason_header(msg)
    return (not ours and native and native[0].startswith(b"SIP/2.0 403 ") and value is not None
            and any(b < 0x20 and b != 0x09 or b == 0x7F for b in value))


def kind(a, b, msg):
    if a == b:
        return "same" if a else "silent"
    if injection(msg, a, b):
        return "injection"
    if not b:
        return "ours-only"
    if not a:
        return "native-only"
    return "differ"


def wait_ready(k, sock):
    end = time.time() + 30
    sock.settimeout(0.5)
    while time.time() < end:
        if k.proc.poll() is not None:
            break
        sock.sendto(probe("ready"), ("127.0.0.1", k.port))
        try:
            if b"probe-ready" in sock.recv(65535):
                return
        except socket.timeout:
            pass
    sys.exit(f"kamailio on {k.port} did not start; see {k.work}/kamailio.log")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("module_dir")
    ap.add_argument("-n", type=int, default=int(os.environ.get("WIRE_N", "20000")))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("WIRE_SEED", "1")))
    ap.add_argument("--tcp-every", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "wire", "diffs"))
    ap.add_argument("--replay", nargs="*")
    # Kamailio's sip_parser_mode=0 on both sides: repeated lines are answered, not dropped.
    ap.add_argument("--lenient", action="store_true")
    a = ap.parse_args()
    # A fuzzer stopped by SIGTERM (timeout, kill) still runs `finally` and stops its Kamailios.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("wire: stopped by SIGTERM"))
    started = []
    counts = {}
    try:
        ours = Kamailio("ours", os.path.abspath(a.module_dir), free_port(), a.lenient)
        started.append(ours)
        native = Kamailio("native", None, free_port(), a.lenient)
        started.append(native)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        wait_ready(ours, sock)
        wait_ready(native, sock)
        sock.settimeout(5)
        rng = random.Random(a.seed)
        shapes = [s.encode() for s in seeds()]
        if a.replay is not None:
            cases = [(f, open(f, "rb").read()) for f in a.replay]
        else:
            cases = ((i, mutate(rng, rng.choice(shapes).replace(b"{n}", str(i).encode())))
                     for i in range(a.n))
        os.makedirs(a.out, exist_ok=True)
        for i, (name, msg) in enumerate(cases):
            transports = ["udp"] + (["tcp"] if a.replay is not None or i % a.tcp_every == 0 else [])
            for t in transports:
                tag = f"{t}{i}"
                if t == "udp":
                    ra = masked(udp_exchange(sock, ours.port, msg, tag))
                    rb = masked(udp_exchange(sock, native.port, msg, tag))
                else:
                    ra = masked(tcp_exchange(ours.port, msg, tag))
                    rb = masked(tcp_exchange(native.port, msg, tag))
                k = kind(ra, rb, msg)
                counts[f"{t} {k}"] = counts.get(f"{t} {k}", 0) + 1
                if k in ("same", "silent", "injection"):
                    continue
                stem = os.path.join(a.out, f"{i:05d}-{t}-{k}")
                open(stem + ".sip", "wb").write(msg)
                open(stem + ".txt", "wb").write(b"ours:\n" + b"\n--\n".join(ra) + b"\nnative:\n" + b"\n--\n".join(rb) + b"\n")
                if a.replay is not None:
                    print(f"{name}: {t} {k}")
        for k in (ours, native):
            if k.proc.poll() is not None:
                sys.exit(f"kamailio {k.work} died; see its kamailio.log")
    finally:
        for k in started:
            k.stop()
    total = sum(counts.values())
    diffs = sum(v for k, v in counts.items() if not k.endswith((" same", " silent", " injection")))
    mode = ", sip_parser_mode=0" if a.lenient else ""
    print(f"wire: {a.n if a.replay is None else len(a.replay)} requests (seed {a.seed}{mode}), {total} exchanges: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if diffs:
        print(f"wire: the differing requests are in {a.out}/ (replay: wire.py MODULE_DIR --replay FILE...)")
    print(f"wire: {total - diffs} passed, {diffs} failed")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
