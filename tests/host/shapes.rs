//! The requests `replies_equal_the_native_module_for_every_shape` sends to ours and to native:
//! well-formed shapes, malformed ones each side must refuse alike, and lines after the core's
//! split (`late:`) that its parser judges.
use super::HDRS;

/// Request shapes for the differential test: (name, request with `{P}` for the client port).
pub fn shapes() -> Vec<(&'static str, String)> {
    let via = "Via: SIP/2.0/UDP 127.0.0.1:{P};branch=z9hG4bKd1;rport\r\n";
    let basic = |m: &str, extra: &str| {
        format!("{m} sip:bob@127.0.0.1 SIP/2.0\r\n{via}{HDRS}{extra}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    };
    let code = |c: &str, r: &str| basic("INVITE", &format!("X-Code: {c}\r\nX-Reason: {r}\r\n"));
    // To "late" (test.cfg): lines after CSeq are the module's to read, or the core's to judge.
    let late = |extra: &str| basic("INVITE", extra).replacen("sip:bob@", "sip:late@", 1);
    let long = "a".repeat(4000);
    let many: String = (0..60).map(|i| format!("X-H{i}: v{i}\r\n")).collect();
    vec![
        ("invite 404", basic("INVITE", "")),
        ("options", basic("OPTIONS", "")),
        ("register", basic("REGISTER", "")),
        ("100 no to-tag", code("100", "Trying")),
        ("180 to-tag + rr", basic("INVITE", "Record-Route: <sip:p1.example;lr>\r\nX-Code: 180\r\nX-Reason: Ringing\r\n")),
        ("200 rr kept", basic("INVITE", "Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\nX-Code: 200\r\nX-Reason: OK\r\n")),
        ("404 rr dropped", basic("INVITE", "Record-Route: <sip:p1.example;lr>\r\n")),
        ("699", code("699", "Max")),
        ("reason utf-8 and tab", code("480", "Temporarily\tUnavailable \u{e9}t\u{e9}")),
        ("empty reason", code("486", "")),
        ("300-byte reason", code("486", &"r".repeat(300))),
        ("int var code", basic("INVITE", "X-Action: int-code\r\n")),
        ("alias sl_reply", basic("INVITE", "X-Action: alias\r\n")),
        ("sl_reply_error", basic("INVITE", "X-Action: error\r\n")),
        ("reply lumps", basic("INVITE", "X-Action: lump\r\n")),
        ("compact forms", "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:{P};branch=z9hG4bKc;rport\r\nf: <sip:a@127.0.0.1>;tag=1\r\nt: <sip:bob@127.0.0.1>\r\ni: compact@x\r\nCSeq: 5 INVITE\r\nl: 0\r\n\r\n".into()),
        ("upper-case names", "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVIA: SIP/2.0/UDP 127.0.0.1:{P};branch=z9hG4bKu;rport\r\nFROM: <sip:a@127.0.0.1>;tag=1\r\nTO: <sip:bob@127.0.0.1>\r\nCALL-ID: up@x\r\nCSEQ: 5 INVITE\r\n\r\n".into()),
        ("two via headers", basic("INVITE", "").replacen("\r\nFrom", "\r\nVia: SIP/2.0/UDP proxy.example:5080;branch=z9hG4bKp2\r\nFrom", 1)),
        ("via values on one line", basic("INVITE", "").replace(";rport\r\n", ";rport, SIP/2.0/TCP p.example;branch=z9hG4bKx2 , SIP/2.0/UDP q.example\r\n")),
        ("folded via", basic("INVITE", "").replace(";branch=z9hG4bKd1;rport", "\r\n ;branch=z9hG4bKd1;rport")),
        ("rport with value", basic("INVITE", "").replace(";rport", ";rport=1234")),
        ("rport in the middle", basic("INVITE", "").replace(";branch=z9hG4bKd1;rport", ";rport;branch=z9hG4bKd1")),
        ("received present", basic("INVITE", "").replace(";rport", ";received=10.9.9.9;rport")),
        ("no rport, via matches source", basic("INVITE", "").replace(";rport", "")),
        ("ipv6 via host", basic("INVITE", "").replace("127.0.0.1:{P};", "[2001:db8::5]:5060;")),
        ("re-invite keeps to-tag", basic("INVITE", "").replace("To: <sip:bob@127.0.0.1>", "To: <sip:bob@127.0.0.1>;tag=dialog-9")),
        ("empty to-tag", basic("INVITE", "").replace("To: <sip:bob@127.0.0.1>", "To: <sip:bob@127.0.0.1>;tag=")),
        ("to addr-spec", basic("INVITE", "").replace("To: <sip:bob@127.0.0.1>", "To: sip:bob@127.0.0.1")),
        ("display names", basic("INVITE", "").replace("To: <sip:bob@127.0.0.1>", "To: \"Bob; <the> builder\" <sip:bob@127.0.0.1;transport=udp>;x=1")),
        ("trailing spaces", basic("INVITE", "").replace("To: <sip:bob@127.0.0.1>", "To: <sip:bob@127.0.0.1>   ").replace(";rport\r\n", ";rport  \r\n")),
        ("lf line ends", basic("INVITE", "").replace("\r\n", "\n")),
        ("body not copied", "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{P};branch=z9hG4bKm;rport\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: msg@x\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello".into()),
        ("many headers", basic("INVITE", &many)),
        ("long header", basic("INVITE", &format!("Subject: {long}\r\n"))),
        ("duplicate call-id: dropped", basic("INVITE", "Call-ID: second@x\r\n")),
        ("duplicate to: dropped", basic("INVITE", "t: <sip:other@127.0.0.1>\r\n")),
        ("no to header: dropped", basic("INVITE", "").replace("To: <sip:bob@127.0.0.1>\r\n", "")),
        ("no call-id or cseq: dropped", basic("INVITE", "").replace("Call-ID: CID@127.0.0.1\r\nCSeq: 1 INVITE\r\n", "")),
        ("extension method", basic("PUBLISH", "")),
        // Decided from the core's own parse: shapes our reader once refused or answered
        // where native did the opposite.
        ("8-bit bytes in the branch", basic("INVITE", "").replace("z9hG4bKd1", "z9hG\u{ba}bKd1")),
        ("rport after a blank", basic("INVITE", "").replace(";rport", "; rport")),
        ("leading empty line", format!("\r\n{}", basic("INVITE", ""))),
        ("via param value outside a token", basic("INVITE", "").replace(";rport", ";rport;x=a@b")),
        ("empty rport value", basic("INVITE", "").replace(";rport", ";rport=")),
        ("space after the version", basic("INVITE", "").replacen("SIP/2.0\r\n", "SIP/2.0 \r\n", 1)),
        ("junk after the via host", basic("INVITE", "").replace("127.0.0.1:{P};", "127.0.0.1SIP/2.0:{P};")),
        ("lower-case method", basic("invite", "")),
        ("odd method", basic("=INVITE", "")),
        ("NUL in the method", basic("INVITE\0", "")),
        ("via without port", basic("INVITE", "").replace("127.0.0.1:{P};", "127.0.0.1;")),
        ("no empty line at the end", basic("INVITE", "").strip_suffix("\r\n").unwrap().to_string()),
        ("duplicate content-length: dropped", basic("INVITE", "Content-Length: 0\r\n")),
        ("duplicate max-forwards: dropped", basic("INVITE", "Max-Forwards: 69\r\n")),
        ("content-length not a number: dropped", basic("INVITE", "").replace("Content-Length: 0", "Content-Length: %000")),
        ("a line starting with CR ends the head", basic("INVITE", "").replace("Max-Forwards: 70\r\n", "\rX-Action: error\r\n")),
        ("a lone CR ends the head", basic("INVITE", "").strip_suffix("\n").unwrap().to_string()),
        ("header name outside Kamailio's set: dropped", basic("INVITE", "").replace("Content-Length", "Cont%nt-Length")),
        ("a later Via that is not one: dropped", basic("INVITE", "Via: Content-Length: 0\r\n")),
        ("a mangled IPv6 via host", basic("INVITE", "").replace("127.0.0.1:{P};", ":1]:{P};")),
        ("late: lines after the split", late("Contact: <sip:a@127.0.0.1>\r\nRecord-Route: <sip:p.example;lr>\r\n")),
        ("late: a via after the split", late("Via: SIP/2.0/UDP proxy.example:5080;branch=z9hG4bKl2\r\n")),
        ("late: a via without host: dropped", late("Via: SIP/2.0/UDP\r\n")),
        ("late: a via with an empty parameter: dropped", late("Via: SIP/2.0/UDP p.example;=x\r\n")),
        ("late: a via on an unknown version: dropped", late("Via: SIP/3.0/UDP p.example\r\n")),
        ("late: retry-after", late("Retry-After: 10\r\n")),
        ("late: retry-after not a number: dropped", late("Retry-After: soon\r\n")),
        ("late: a repeated to: dropped", late("t: <sip:c@127.0.0.1>\r\n")),
        ("late: a repeated cseq: dropped", late("CSeq: 2 INVITE\r\n")),
    ]
}
