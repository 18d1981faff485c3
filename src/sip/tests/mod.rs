use super::*;

mod lines;
mod refusals;
mod split;

fn req(s: &str) -> Request<'_> {
    Request::parse(s.as_bytes()).unwrap()
}

const BASIC: &str = "INVITE sip:b@example.com SIP/2.0\r\n\
    Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport\r\n\
    From: Alice <sip:a@example.com>;tag=aa\r\n\
    To: Bob <sip:b@example.com>\r\n\
    Call-ID: call-1@192.0.2.1\r\n\
    CSeq: 1 INVITE\r\n\
    Content-Length: 0\r\n\r\n";

#[test]
fn reads_request_line_and_facts() {
    let r = req(BASIC);
    assert_eq!(r.method, b"INVITE");
    assert_eq!(r.version, b"SIP/2.0");
    assert_eq!(r.slice(r.via1.host), b"192.0.2.1");
    assert_eq!(r.slice(r.via1.port), b"5060");
    assert_eq!(r.slice(r.via1.branch.unwrap()), b"z9hG4bK1");
    assert_eq!(r.slice(r.via1.rport.unwrap()), b"rport");
    assert!(r.has_to);
    assert_eq!(r.to_tag(), None);
    assert_eq!(r.call_id(), Some(&b"call-1@192.0.2.1"[..]));
    let kinds: Vec<_> = r.headers().map(|h| h.unwrap().kind).collect();
    use HeaderKind::*;
    assert_eq!(kinds, [Via, From, To, CallId, CSeq, ContentLength]);
}
