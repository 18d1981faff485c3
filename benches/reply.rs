//! `cargo bench --bench reply`: nanoseconds to parse a typical INVITE and build its 404 reply
//! (the work sl_send_reply does per request, without the host's send). No allocation happens
//! inside the loop; the buffer is made once, as the module makes it once per process.
use std::hint::black_box;
use std::time::Instant;

use sl_rs::reply::totag::{Signature, SL_SEED};
use sl_rs::reply::{build_reply, needs_to_tag, Lump, Reason, ReplyParams, ToTag};
use sl_rs::sip::Request;

const INVITE: &[u8] = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n\
Max-Forwards: 70\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n\
User-Agent: bench\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 151\r\n\r\n\
v=0\r\no=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

fn main() {
    let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
    let mut out = vec![0u8; 65535];
    let one = |out: &mut [u8]| {
        let req = Request::parse(black_box(INVITE)).expect("valid INVITE");
        let tag = needs_to_tag(&req, 404).then(|| sig.tag_param(&req));
        let p = ReplyParams {
            code: 404,
            reason: Reason::new(b"Not Found").expect("a good reason"),
            to_tag: tag.as_ref().map(ToTag::Ours),
            received: Some(b"192.0.2.101"),
            rport: Some(5060),
            server_header: Some(b"Server: kamailio (5.6.3 (x86_64/linux))"),
            ..Default::default()
        };
        build_reply(&req, [], &p, [Lump::Header(b"X-Bench: 1\r\n")], out).expect("fits")
    };
    for _ in 0..10_000 {
        black_box(one(&mut out));
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let n = 200_000;
        let t = Instant::now();
        for _ in 0..n {
            black_box(one(&mut out));
        }
        best = best.min(t.elapsed().as_nanos() as f64 / n as f64);
    }
    println!("reply building (parse + To-tag + 404 reply for a typical INVITE): {best:.0} ns per reply (best of 5 x 200000)");
}
