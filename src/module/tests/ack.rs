//! The ACK window: opened by a reply to an INVITE, closing in time; absorbed ACKs counted.
use super::*;

#[test]
fn reply_to_invite_opens_the_ack_window_and_its_ack_is_absorbed() {
    let m = module();
    let shared = Shared::default();
    let mut h = FakeHost::new(INVITE);
    let mut buf = [0u8; 2048];
    let sent = m
        .reply_stateless(&mut h, &shared, &mut buf, Answer::new(404, r(b"Not Here")))
        .unwrap();
    assert_eq!(sent.code, 404);
    assert_eq!(shared.ack_deadline.load(Ordering::Relaxed), 1032);
    let reply = String::from_utf8(h.sent[0].clone()).unwrap();
    assert!(reply.starts_with("SIP/2.0 404 Not Here\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport=5099;received=127.0.0.2\r\n"), "{reply}");
    assert!(reply.contains("X-Lump: 1\r\nServer: fake\r\nContent-Length: 0\r\n\r\n"));
    let tag = reply
        .split(";tag=")
        .nth(2)
        .unwrap()
        .split("\r\n")
        .next()
        .unwrap();
    assert_eq!(tag.len(), crate::reply::totag::TOTAG_LEN);

    let ack = format!(
        "ACK sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKm;rport\r\n\
         From: <sip:a@x>;tag=f\r\nTo: <sip:b@x>;tag={tag}\r\nCall-ID: m1\r\nCSeq: 7 ACK\r\n\r\n"
    );
    assert_eq!(
        m.filter_ack(&FakeHost::new(&ack), 1010, &shared),
        Ok(AckDecision::Absorb)
    );
    assert_eq!(
        m.filter_ack(&FakeHost::new(&ack), 1032, &shared),
        Ok(AckDecision::TooLate)
    );
    let foreign = ack.replace(tag, "dialog-tag");
    assert_eq!(
        m.filter_ack(&FakeHost::new(&foreign), 1010, &shared),
        Ok(AckDecision::Foreign)
    );
    assert_eq!(
        m.filter_ack(&FakeHost::new(INVITE), 1010, &shared),
        Ok(AckDecision::NotAck)
    );
    assert!(m
        .filter_ack(&FakeHost::new("ACK garbage"), 1010, &shared)
        .is_err());
}

#[test]
fn non_invite_replies_leave_the_window_alone() {
    let m = module();
    let shared = Shared::default();
    shared.ack_deadline.store(5, Ordering::Relaxed);
    let mut h = FakeHost::new(&INVITE.replace("INVITE", "OPTIONS"));
    m.reply_stateless(
        &mut h,
        &shared,
        &mut [0u8; 2048],
        Answer::new(200, r(b"OK")),
    )
    .unwrap();
    assert_eq!(shared.ack_deadline.load(Ordering::Relaxed), 5);
}

#[test]
fn stateless_to_tag_is_the_one_replies_carry() {
    let m = module();
    let mut h = FakeHost::new(INVITE);
    send_404(&m, &mut h, &Shared::default(), None).unwrap();
    let tag = m.stateless_to_tag(&FakeHost::new(INVITE)).unwrap();
    let want = format!(";tag={}\r\n", std::str::from_utf8(&tag).unwrap());
    assert!(String::from_utf8_lossy(&h.sent[0]).contains(&want));
}

#[test]
fn absorbed_acks_are_counted() {
    let m = module();
    let shared = Shared::default();
    let mut h = FakeHost::new(INVITE);
    send_404(&m, &mut h, &shared, None).unwrap();
    let tag = m.stateless_to_tag(&FakeHost::new(INVITE)).unwrap();
    let ack = INVITE
        .replace("INVITE sip", "ACK sip")
        .replace("7 INVITE", "7 ACK")
        .replace(
            "To: <sip:b@x>",
            &format!("To: <sip:b@x>;tag={}", std::str::from_utf8(&tag).unwrap()),
        );
    assert_eq!(
        m.filter_ack(&FakeHost::new(&ack), 1001, &shared),
        Ok(AckDecision::Absorb)
    );
    assert_eq!(shared.counters.get(Counter::FilteredAcks), 1);
}

#[test]
fn a_split_ack_is_decided_as_a_parsed_one() {
    let m = module();
    let shared = Shared::default();
    send_404(&m, &mut FakeHost::new(INVITE), &shared, None).unwrap();
    let tag = m.stateless_to_tag(&FakeHost::new(INVITE)).unwrap();
    let ours = format!("To: <sip:b@x>;tag={}", std::str::from_utf8(&tag).unwrap());
    let ack = INVITE
        .replace("INVITE sip", "ACK sip")
        .replace("7 INVITE", "7 ACK");
    for (to, want) in [
        (&ours[..], AckDecision::Absorb),
        ("To: <sip:b@x>;tag=x", AckDecision::Foreign),
    ] {
        let msg = ack.replace("To: <sip:b@x>", to);
        for k in 0..6 {
            assert_eq!(
                m.filter_ack(&FakeHost::split(&msg, k), 1001, &shared),
                Ok(want),
                "{k}"
            );
        }
    }
}

/// A re-INVITE (its To has the dialog's tag) and its ACK, `cseq` and `branch` as given.
fn reinvite(cseq: u32, branch: &str) -> (String, String) {
    let invite = format!(
        "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5070;branch={branch};rport\r\n\
         From: <sip:a@x>;tag=f\r\nTo: <sip:b@x>;tag=dlg\r\nCall-ID: m1\r\nCSeq: {cseq} INVITE\r\n\r\n"
    );
    let ack = invite
        .replacen("INVITE sip", "ACK sip", 1)
        .replace(" INVITE\r\n", " ACK\r\n");
    (invite, ack)
}

/// `m` answers `request` statelessly; the host, with what was sent.
fn reply_to(m: &Module, shared: &Shared, request: &str, answer: Answer<'_>) -> FakeHost {
    let mut h = FakeHost::new(request);
    m.reply_stateless(&mut h, shared, &mut [0u8; 2048], answer)
        .unwrap();
    h
}

fn with_dialog_acks(slots: &[crate::reply::dialog::Slot]) -> Module<'_> {
    Module {
        dialog_acks: crate::reply::dialog::DialogAcks::new(slots),
        ..module()
    }
}

fn slots(n: usize) -> Vec<crate::reply::dialog::Slot> {
    (0..n).map(|_| Default::default()).collect()
}

#[test]
fn the_ack_of_a_rejected_reinvite_is_absorbed_when_the_parameter_is_on() {
    let (invite, ack) = reinvite(7, "z9hG4bKr");
    for on in [false, true] {
        let slots = slots(16);
        let m = if on {
            with_dialog_acks(&slots)
        } else {
            module()
        };
        let shared = Shared::default();
        let h = reply_to(&m, &shared, &invite, Answer::new(486, r(b"Busy Here")));
        // The reply keeps the dialog's tag: no signature of ours in it.
        let reply = String::from_utf8(h.sent[0].clone()).unwrap();
        assert!(reply.contains("To: <sip:b@x>;tag=dlg\r\n"), "{reply}");
        let want = if on {
            AckDecision::Absorb
        } else {
            AckDecision::Foreign
        };
        assert_eq!(m.filter_ack(&FakeHost::new(&ack), 1010, &shared), Ok(want));
        assert_eq!(shared.counters.get(Counter::FilteredAcks), u64::from(on));
        // After the window it reaches the script.
        assert_eq!(
            m.filter_ack(&FakeHost::new(&ack), 1032, &shared),
            Ok(AckDecision::TooLate)
        );
    }
}

#[test]
fn acks_that_differ_in_one_field_reach_the_script() {
    let slots = slots(16);
    let m = with_dialog_acks(&slots);
    let shared = Shared::default();
    let (invite, ack) = reinvite(7, "z9hG4bKr");
    reply_to(&m, &shared, &invite, Answer::new(486, r(b"Busy Here")));
    for other in [
        ack.replace("Call-ID: m1", "Call-ID: m2"),
        ack.replace("tag=f\r\n", "tag=g\r\n"),
        ack.replace("tag=dlg", "tag=dlh"),
        ack.replace("CSeq: 7 ACK", "CSeq: 8 ACK"),
        ack.replace("branch=z9hG4bKr", "branch=z9hG4bKs"),
    ] {
        assert_ne!(
            m.filter_ack(&FakeHost::new(&other), 1010, &shared),
            Ok(AckDecision::Absorb),
            "{other}"
        );
    }
    assert_eq!(shared.counters.get(Counter::FilteredAcks), 0);
    // A 2xx's ACK comes in a new transaction: another branch is its own.
    let (invite, ack) = reinvite(8, "z9hG4bKt");
    reply_to(&m, &shared, &invite, Answer::new(200, r(b"OK")));
    let ack = ack.replace("branch=z9hG4bKt", "branch=z9hG4bKu");
    assert_eq!(
        m.filter_ack(&FakeHost::new(&ack), 1010, &shared),
        Ok(AckDecision::Absorb)
    );
}

#[test]
fn only_final_replies_to_invites_with_a_to_tag_are_remembered() {
    let slots = slots(16);
    let m = with_dialog_acks(&slots);
    let (invite, ack) = reinvite(7, "z9hG4bKr");
    for (request, code) in [
        (invite.clone(), 183),
        (
            invite
                .replace("INVITE sip", "UPDATE sip")
                .replace(" INVITE\r\n", " UPDATE\r\n"),
            486,
        ),
    ] {
        let shared = Shared::default();
        reply_to(&m, &shared, &request, Answer::new(code, r(b"x")));
        assert_eq!(shared.dialog_deadline.load(Ordering::Relaxed), 0, "{code}");
        assert_ne!(
            m.filter_ack(&FakeHost::new(&ack), 1010, &shared),
            Ok(AckDecision::Absorb)
        );
    }
    // sl_reply_error's reply is one too.
    let shared = Shared::default();
    let mut h = FakeHost::new(&invite);
    m.reply_error(&mut h, &shared, &mut [0u8; 2048], -478)
        .unwrap();
    assert_eq!(shared.dialog_deadline.load(Ordering::Relaxed), 1032);
    assert_eq!(
        m.filter_ack(&FakeHost::new(&ack), 1010, &shared),
        Ok(AckDecision::Absorb)
    );
}
