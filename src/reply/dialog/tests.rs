use super::*;

fn invite(call_id: &str, from_tag: &str, to_tag: &str, cseq: &str, branch: &str) -> String {
    format!(
        "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch={branch}\r\n\
         From: <sip:a@x>;tag={from_tag}\r\nTo: <sip:b@x>;tag={to_tag}\r\nCall-ID: {call_id}\r\n\
         CSeq: {cseq} INVITE\r\n\r\n"
    )
}

fn ack_of(invite: &str) -> String {
    invite
        .replacen("INVITE sip", "ACK sip", 1)
        .replace(" INVITE\r\n", " ACK\r\n")
}

fn key(msg: &str) -> DialogKey<'_> {
    DialogKey::read(msg.as_bytes(), ParserMode::Strict).expect("a key")
}

fn table(n: usize) -> Vec<Slot> {
    (0..n).map(|_| Slot::default()).collect()
}

/// A table over `slots` that remembers a `code` reply to [`reinvite`] from 1000 to 1032.
fn remembered(slots: &[Slot], code: u16) -> (DialogAcks<'_>, String) {
    let t = DialogAcks::new(slots).unwrap();
    let m = reinvite();
    assert!(t.remember(&key(&m), code, 1000, 1032));
    (t, m)
}

const REINVITE: (&str, &str, &str, &str, &str) = ("c1@x", "f1", "t1", "7", "z9hG4bKa");

fn reinvite() -> String {
    let (c, f, t, s, b) = REINVITE;
    invite(c, f, t, s, b)
}

#[test]
fn a_key_holds_what_identifies_the_ack() {
    let m = reinvite();
    assert_eq!(
        key(&m),
        DialogKey {
            call_id: b"c1@x",
            from_tag: b"f1",
            to_tag: b"t1",
            cseq: b"7",
            branch: b"z9hG4bKa",
        }
    );
    // No To-tag, no From-tag, no CSeq number: no key (nothing an ACK could be matched by).
    for m in [
        m.replace(";tag=t1", ""),
        m.replace(";tag=f1", ""),
        m.replace("CSeq: 7 INVITE", "CSeq: INVITE"),
        m.replace("Call-ID: c1@x\r\n", ""),
    ] {
        assert_eq!(
            DialogKey::read(m.as_bytes(), ParserMode::Strict),
            None,
            "{m}"
        );
    }
}

#[test]
fn an_ack_is_absorbed_only_when_every_field_matches_inside_the_window() {
    let slots = table(64);
    let (t, m) = remembered(&slots, 486);
    let ack = ack_of(&m);
    assert!(t.matches(&key(&ack), 1001));
    assert!(t.matches(&key(&ack), 1031));
    // The window is over.
    assert!(!t.matches(&key(&ack), 1032));
    let (c, f, tt, s, b) = REINVITE;
    for other in [
        invite("c2@x", f, tt, s, b),
        invite(c, "f2", tt, s, b),
        invite(c, f, "t2", s, b),
        invite(c, f, tt, "8", b),
        invite(c, f, tt, "70", b),
        invite(c, f, tt, s, "z9hG4bKb"),
    ] {
        assert!(!t.matches(&key(&ack_of(&other)), 1001), "{other}");
    }
}

#[test]
fn a_2xx_is_acked_in_a_new_transaction_so_its_branch_is_not_compared() {
    let slots = table(64);
    let (t, _) = remembered(&slots, 200);
    let (c, f, tt, s, _) = REINVITE;
    assert!(t.matches(&key(&ack_of(&invite(c, f, tt, s, "z9hG4bKnew"))), 1001));
    assert!(!t.matches(&key(&ack_of(&invite(c, f, tt, "8", "z9hG4bKnew"))), 1001));
}

#[test]
fn a_key_too_long_for_a_slot_is_not_remembered() {
    let slots = table(8);
    let t = DialogAcks::new(&slots).unwrap();
    let (_, f, tt, s, b) = REINVITE;
    let long = "c".repeat(200);
    let m = invite(&long, f, tt, s, &format!("z9hG4bK{}", "b".repeat(60)));
    assert!(!t.remember(&key(&m), 486, 1000, 1032));
    assert!(!t.matches(&key(&ack_of(&m)), 1001));
    // A part over 255 bytes neither.
    let m = invite(&"c".repeat(300), f, tt, s, b);
    assert!(!t.remember(&key(&m), 486, 1000, 1032));
    // The same with a 2xx, which keeps no branch: it fits.
    let m = invite(&long, f, tt, s, &format!("z9hG4bK{}", "b".repeat(60)));
    assert!(t.remember(&key(&m), 200, 1000, 1032));
}

#[test]
fn a_full_bucket_loses_its_oldest_entry_and_never_matches_a_wrong_one() {
    // One bucket: the fifth reply takes the slot of the one whose window ends first.
    let slots = table(WAYS);
    let t = DialogAcks::new(&slots).unwrap();
    let (c, f, tt, _, b) = REINVITE;
    let msgs: Vec<String> = (1..=5)
        .map(|n| invite(c, f, tt, &n.to_string(), b))
        .collect();
    for (i, m) in msgs.iter().enumerate() {
        assert!(t.remember(&key(m), 486, 1000 + i as u32, 1032 + i as u32));
    }
    assert!(!t.matches(&key(&ack_of(&msgs[0])), 1010));
    for m in &msgs[1..] {
        assert!(t.matches(&key(&ack_of(m)), 1010), "{m}");
    }
    // A slot whose window closed is taken before an open one.
    assert!(t.remember(&key(&msgs[0]), 486, 1033, 1065));
    assert!(t.matches(&key(&ack_of(&msgs[0])), 1034));
    assert!(t.matches(&key(&ack_of(&msgs[4])), 1034));
    assert!(!t.matches(&key(&ack_of(&invite(c, f, tt, "6", b))), 1034));
}

#[test]
fn fewer_slots_than_a_bucket_make_no_table() {
    assert!(DialogAcks::new(&table(WAYS - 1)).is_none());
    assert!(DialogAcks::new(&table(WAYS)).is_some());
}

#[test]
fn writers_and_readers_in_parallel_never_match_a_key_not_remembered() {
    let slots = table(16);
    let t = DialogAcks::new(&slots).unwrap();
    let (c, f, tt, _, b) = REINVITE;
    std::thread::scope(|s| {
        for w in 0..2 {
            s.spawn(move || {
                for n in 0..2000 {
                    let m = invite(c, f, tt, &format!("{}", 2 * n + w), b);
                    t.remember(&key(&m), 486, 1000, 1032);
                }
            });
        }
        s.spawn(move || {
            for n in 0..4000 {
                // Never remembered: CSeq numbers from 100000 up.
                let m = invite(c, f, tt, &format!("{}", 100_000 + n), b);
                assert!(!t.matches(&key(&ack_of(&m)), 1001));
            }
        });
    });
    // Afterwards every slot holds one whole key of those written.
    let remembered = (0..4000).filter(|n| {
        let m = invite(c, f, tt, &n.to_string(), b);
        t.matches(&key(&ack_of(&m)), 1001)
    });
    assert!((1..=16).contains(&remembered.count()));
}

#[test]
fn a_non_2xx_to_an_invite_without_a_branch_wants_an_ack_without_one_too() {
    // Found by the fuzzer: an empty branch is still compared for a 300-699 reply.
    let slots = table(8);
    let t = DialogAcks::new(&slots).unwrap();
    let (c, f, tt, s, _) = REINVITE;
    let m = invite(c, f, tt, s, "").replace(";branch=", "");
    assert_eq!(key(&m).branch, b"");
    assert!(t.remember(&key(&m), 486, 1000, 1032));
    assert!(t.matches(&key(&ack_of(&m)), 1001));
    assert!(!t.matches(&key(&ack_of(&invite(c, f, tt, s, "z9hG4bKr2"))), 1001));
}

#[test]
fn the_key_is_the_same_over_any_transport_and_address_family() {
    // The table reads SIP headers only: a request over TLS from an IPv6 address keys alike.
    let slots = table(8);
    let t = DialogAcks::new(&slots).unwrap();
    let m = reinvite();
    let v6 = m.replace(
        "SIP/2.0/UDP 10.0.0.1:5060",
        "SIP/2.0/TLS [2001:db8::1]:5061",
    );
    assert_eq!(key(&v6), key(&m));
    assert!(t.remember(&key(&v6), 603, 1000, 1032));
    assert!(t.matches(&key(&ack_of(&v6)), 1001));
    let tcp = ack_of(&m).replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    assert!(t.matches(&key(&tcp), 1001));
}

#[test]
fn the_first_from_and_cseq_count_where_the_parser_lets_them_repeat() {
    let m = reinvite().replace(
        "\r\n\r\n",
        "\r\nFrom: <sip:z@x>;tag=second\r\nCSeq: 99 INVITE\r\n\r\n",
    );
    let k = DialogKey::read(m.as_bytes(), ParserMode::Lenient).expect("a key");
    assert_eq!((k.from_tag, k.cseq), (&b"f1"[..], &b"7"[..]));
    assert_eq!(DialogKey::read(m.as_bytes(), ParserMode::Strict), None);
}

#[test]
fn an_entry_holds_exactly_its_256_bytes() {
    // Parts of 1 + n bytes each: Call-ID grown until key and branch take 256 bytes.
    let slots = table(8);
    let t = DialogAcks::new(&slots).unwrap();
    let (_, f, tt, s, b) = REINVITE;
    let fixed = 1 + f.len() + 1 + tt.len() + 1 + s.len() + b.len() + 1;
    for (call_id_len, fits) in [(256 - fixed, true), (257 - fixed, false)] {
        let c = "c".repeat(call_id_len);
        let m = invite(&c, f, tt, s, b);
        assert_eq!(t.remember(&key(&m), 486, 1000, 1032), fits, "{call_id_len}");
        assert_eq!(t.matches(&key(&ack_of(&m)), 1001), fits, "{call_id_len}");
    }
}

#[test]
fn keys_spread_over_the_buckets_and_buckets_do_not_overlap() {
    let slots = table(256);
    let t = DialogAcks::new(&slots).unwrap();
    let buckets = slots.len() / WAYS;
    // Bucket i is slots 4i..4i+4: disjoint, together the table.
    for h in 0..buckets as u64 {
        let b = t.bucket(h);
        let at = b.as_ptr() as usize - slots.as_ptr() as usize;
        assert_eq!(at, h as usize * WAYS * core::mem::size_of::<Slot>());
        assert_eq!(b.len(), WAYS);
    }
    // 1,000 keys that differ in their CSeq number use most buckets, none more than its share
    // several times over.
    let (c, f, tt, _, b) = REINVITE;
    let mut used = vec![0usize; buckets];
    for n in 0..1000 {
        let m = invite(c, f, tt, &n.to_string(), b);
        let p = Packed::of(&key(&m), true).unwrap();
        used[(p.hash % buckets as u64) as usize] += 1;
    }
    assert!(
        used.iter().filter(|&&u| u > 0).count() > buckets * 3 / 4,
        "{used:?}"
    );
    assert!(used.iter().all(|&u| u < 30), "{used:?}");
    assert_eq!(format!("{t:?}"), "DialogAcks(256 slots)");
}

#[test]
fn a_slot_being_written_is_neither_taken_nor_read() {
    let slots = table(WAYS);
    let t = DialogAcks::new(&slots).unwrap();
    let m = reinvite();
    assert!(t.remember(&key(&m), 486, 1000, 1032));
    assert!(t.matches(&key(&ack_of(&m)), 1001));
    // Another worker is writing every slot of the bucket: a writer gives up, a reader skips.
    for s in &slots {
        s.seq.fetch_add(1, Ordering::Relaxed);
    }
    assert!(!t.matches(&key(&ack_of(&m)), 1001));
    let (c, f, tt, _, b) = REINVITE;
    assert!(!t.remember(&key(&invite(c, f, tt, "8", b)), 486, 1000, 1032));
    for s in &slots {
        s.seq.fetch_add(1, Ordering::Relaxed);
    }
    assert!(t.matches(&key(&ack_of(&m)), 1001));
}

#[test]
fn a_change_of_any_one_byte_of_the_key_or_branch_is_seen() {
    let (c, f, tt, s, b) = REINVITE;
    let changed = |part: &str, at: usize| {
        let mut p = part.as_bytes().to_vec();
        p[at] ^= 0x02;
        String::from_utf8(p).unwrap()
    };
    // A 300-699 entry compares key and branch in whole words, a 2xx's the key alone.
    for code in [486, 200] {
        let slots = table(8);
        let (t, m) = remembered(&slots, code);
        let mut others = vec![];
        for at in 0..c.len() {
            others.push(invite(&changed(c, at), f, tt, s, b));
        }
        for at in 0..f.len() {
            others.push(invite(c, &changed(f, at), tt, s, b));
        }
        for at in 0..tt.len() {
            others.push(invite(c, f, &changed(tt, at), s, b));
        }
        for other in others {
            assert!(!t.matches(&key(&ack_of(&other)), 1001), "{code}: {other}");
        }
        for at in 0..b.len() {
            let other = invite(c, f, tt, s, &changed(b, at));
            assert_eq!(
                t.matches(&key(&ack_of(&other)), 1001),
                code < 300,
                "branch byte {at}"
            );
        }
        assert!(t.matches(&key(&ack_of(&m)), 1001));
    }
}

#[test]
fn an_entry_takes_the_272_bytes_the_readme_says() {
    // dialog_ack_entries' memory: its default of 4096 entries is 1.1 MB of shared memory.
    assert_eq!(core::mem::size_of::<Slot>(), 272);
}
