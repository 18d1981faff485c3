//! The ACK filter: is this ACK the end of a transaction we answered statelessly?
use super::totag::{Signature, TagInput};
use crate::sip::Request;

/// What to do with an incoming request before the routing script runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckDecision {
    /// An ACK to one of our stateless replies: drop it.
    Absorb,
    /// Not an ACK.
    NotAck,
    /// An ACK, but the window since our last reply to an INVITE has closed.
    TooLate,
    /// An ACK whose To-tag is not one of ours (a dialog's ACK, or a proxy's).
    Foreign,
}

/// Whether `now` is before `deadline` (Kamailio ticks, compared with wrap-around).
pub fn window_open(now: u32, deadline: u32) -> bool {
    (deadline.wrapping_sub(now) as i32) > 0
}

/// Decides for a parsed request. `now` and `deadline` are Kamailio ticks; the window is open
/// while `now` is before `deadline` (compared with wrap-around, like the host's timers).
pub fn decide(req: &Request, sig: &Signature, now: u32, deadline: u32) -> AckDecision {
    if !req.is_method(b"ACK") {
        return AckDecision::NotAck;
    }
    decide_ack(req.to_tag(), &TagInput::of(req), sig, now, deadline)
}

/// [`decide`] for an ACK, from its To-tag and the fields our tag for it is computed from.
pub fn decide_ack(
    to_tag: Option<&[u8]>,
    input: &TagInput,
    sig: &Signature,
    now: u32,
    deadline: u32,
) -> AckDecision {
    if !window_open(now, deadline) {
        return AckDecision::TooLate;
    }
    match to_tag {
        Some(tag) if sig.is_ours_for(input, tag) => AckDecision::Absorb,
        _ => AckDecision::Foreign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::totag::SL_SEED;

    fn ack(tag: &str) -> Vec<u8> {
        format!(
            "ACK sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK77\r\n\
             From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag={tag}\r\nCall-ID: c1\r\nCSeq: 1 ACK\r\n\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn absorbs_only_our_tag_inside_the_window() {
        let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
        let probe = ack("x");
        let ours = sig.to_tag(&Request::parse(&probe).unwrap());
        let msg = ack(std::str::from_utf8(&ours).unwrap());
        let req = Request::parse(&msg).unwrap();
        assert_eq!(decide(&req, &sig, 100, 132), AckDecision::Absorb);
        assert_eq!(decide(&req, &sig, 132, 132), AckDecision::TooLate);
        assert_eq!(
            decide(&req, &sig, u32::MAX - 1, 5),
            AckDecision::Absorb,
            "tick wrap"
        );
        let foreign = ack("a6d2f1");
        assert_eq!(
            decide(&Request::parse(&foreign).unwrap(), &sig, 100, 132),
            AckDecision::Foreign
        );
        let other = Signature::new(SL_SEED, b"127.0.0.1", b"5070");
        assert_eq!(decide(&req, &other, 100, 132), AckDecision::Foreign);
    }

    #[test]
    fn other_methods_pass() {
        let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
        let m = b"BYE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n";
        assert_eq!(
            decide(&Request::parse(m).unwrap(), &sig, 1, 10),
            AckDecision::NotAck
        );
    }
}
