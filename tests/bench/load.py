#!/usr/bin/env python3
"""Sends N requests of one shape to a Kamailio on 127.0.0.1, one after another, each after the
reply to the previous one; INVITE replies are acknowledged with the reply's To-tag, as a UA
does. Fails when a reply is not the expected one. Used by callgrind.sh.

  load.py PORT SHAPE N [PAD]
  SHAPE: options    OPTIONS sip:bob@127.0.0.1             (minimal configs: 200)
         keepalive  OPTIONS sip:127.0.0.1:PORT, no user    (Debian's kamailio.cfg: 200 Keepalive)
         invite     INVITE sip:bob@127.0.0.1 + ACK         (minimal configs: 404)
         relay      INVITE sip:bob@192.0.2.10 + ACK        (Debian's kamailio.cfg: 403 Not relaying;
                    192.0.2.0/24 is TEST-NET, never contacted: the reply goes to the Via, here)
         reinvite   INVITE with a To-tag + ACK             (minimal configs: 404, the tag kept)
         dialogack  OPTIONS + an in-dialog ACK of another call (minimal configs: 200; the ACK
                    answers no reply of the module's)
  PAD:   KIND:BYTES, about BYTES more in the request, in 64-byte header lines:
         copied   more Via lines under the first (every reply copies them)
         skipped  X-Pad lines after CSeq (no reply copies them)
"""
import socket
import sys
import time

port, shape, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pad_kind, pad_bytes = (sys.argv[4].split(":") + ["0"])[:2] if len(sys.argv) > 4 else ("copied", "0")
# 64 bytes each, CRLF included
PAD_LINE = {"copied": "Via: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKpad{:09d}xxx\r\n",
            "skipped": "X-Pad: {:09d}" + "x" * 46 + "\r\n"}[pad_kind]
PAD = "".join(PAD_LINE.format(k) for k in range(int(pad_bytes) // 64))
VIAS, EXTRA = (PAD, "") if pad_kind == "copied" else ("", PAD)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = s.getsockname()[1]

URI = {"options": "sip:bob@127.0.0.1", "keepalive": f"sip:127.0.0.1:{port}",
       "invite": "sip:bob@127.0.0.1", "relay": "sip:bob@192.0.2.10",
       "reinvite": "sip:bob@127.0.0.1", "dialogack": "sip:bob@127.0.0.1"}[shape]
METHOD = "OPTIONS" if shape in ("options", "keepalive", "dialogack") else "INVITE"
FROM = "sip:alice@192.0.2.20" if shape == "relay" else "sip:alice@127.0.0.1"
WANT = {"options": "SIP/2.0 200", "keepalive": "SIP/2.0 200 Keepalive", "invite": "SIP/2.0 404",
        "relay": "SIP/2.0 403 Not relaying", "reinvite": "SIP/2.0 404",
        "dialogack": "SIP/2.0 200"}[shape]


def req(method, i, to_tag=""):
    return (f"{method} {URI} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bKcg{i};rport\r\n{VIAS}"
            f"Max-Forwards: 70\r\nFrom: Alice <{FROM}>;tag=a{i}\r\nTo: <{URI}>{to_tag}\r\n"
            f"Call-ID: cg-{i}@127.0.0.1\r\nCSeq: 1 {method}\r\n{EXTRA}Contact: <sip:alice@127.0.0.1:{me}>\r\n"
            f"User-Agent: sl-rs-bench\r\nContent-Length: 0\r\n\r\n").encode()


s.settimeout(2.0)
deadline = time.time() + 180
while True:  # readiness: the server answers (slowly, under valgrind)
    s.sendto(req("OPTIONS", "ready"), ("127.0.0.1", port))
    try:
        s.recv(65535)
        break
    except socket.timeout:
        if time.time() > deadline:
            sys.exit("server not ready")
s.settimeout(30.0)
for i in range(n):
    s.sendto(req(METHOD, i, f";tag=dlg{i}" if shape == "reinvite" else ""), ("127.0.0.1", port))
    reply = s.recv(65535).decode(errors="replace")
    if not reply.startswith(WANT):
        sys.exit(f"{shape}: expected {WANT!r}, got {reply.splitlines()[0]!r}")
    if METHOD == "INVITE":
        to = next(line for line in reply.split("\r\n") if line.startswith("To:"))
        s.sendto(req("ACK", i, to[to.index(";tag="):]), ("127.0.0.1", port))
    elif shape == "dialogack":
        s.sendto(req("ACK", f"d{i}", f";tag=dlg{i}"), ("127.0.0.1", port))
