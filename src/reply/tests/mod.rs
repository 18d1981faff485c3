use super::*;
use crate::sip::{HeaderKind, Line, ParseError, ParserMode, Request};

mod layout;
mod refusals;
mod sizes;

fn build(msg: &str, p: &ReplyParams, lumps: &[Lump]) -> Result<String, SlError> {
    let req = Request::parse(msg.as_bytes()).unwrap();
    let mut out = [0u8; 4096];
    let n = build_reply(&req, [], p, lumps.iter().copied(), &mut out)?;
    Ok(String::from_utf8(out[..n].to_vec()).unwrap())
}

fn params(code: u16, reason: &'static str) -> ReplyParams<'static> {
    ReplyParams {
        code,
        reason: Reason::new(reason.as_bytes()).expect("a good reason"),
        ..Default::default()
    }
}

const INVITE: &str = "INVITE sip:b@x SIP/2.0\r\n\
    Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1\r\n\
    Via: SIP/2.0/TCP proxy.example;branch=z9hG4bK0\r\n\
    Record-Route: <sip:proxy.example;lr>\r\n\
    Max-Forwards: 70\r\n\
    From: <sip:a@x>;tag=aa\r\n\
    To: <sip:b@x>\r\n\
    Call-ID: c1\r\n\
    CSeq: 1 INVITE\r\n\
    Contact: <sip:a@192.0.2.1>\r\n\
    Content-Type: application/sdp\r\n\
    Content-Length: 4\r\n\r\nv=0\n";
