//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and every crash the fuzzers
//! found (`fuzz/regressions/<target>/`) through the fuzz targets' properties, on stable Rust:
//! a found crash stays a test after it is fixed.
use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("{} breaks the {target} properties", path.display());
            }
            n += 1;
        }
    }
    n
}

#[test]
fn corpus_and_regressions_keep_every_property() {
    assert!(replay("parse", sl_rs::fuzzing::parse) >= 6);
    assert!(replay("reply", sl_rs::fuzzing::reply) >= 6);
    assert!(replay("ack", sl_rs::fuzzing::ack) >= 7);
    assert!(replay("dialog", sl_rs::fuzzing::dialog) >= 4);
}

/// The in-dialog property really is checked: the re-INVITE seed's ACK is absorbed, and one
/// changed byte of its From-tag makes it pass (a property that checked nothing would pass both).
#[test]
fn the_dialog_seed_is_absorbed_and_a_changed_from_tag_is_not() {
    use sl_rs::reply::dialog::{DialogAcks, DialogKey, Slot, WAYS};
    use sl_rs::sip::ParserMode;
    let seed = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/dialog/reinvite-486"),
    )
    .unwrap();
    let invite = String::from_utf8(seed[6..].to_vec()).unwrap();
    let ack = invite
        .replacen("INVITE sip", "ACK sip", 1)
        .replace(" INVITE\r\n", " ACK\r\n");
    let slots: Vec<Slot> = (0..WAYS).map(|_| Slot::default()).collect();
    let t = DialogAcks::new(&slots).unwrap();
    fn key(m: &str) -> DialogKey<'_> {
        DialogKey::read(m.as_bytes(), ParserMode::Strict).unwrap()
    }
    assert!(t.remember(&key(&invite), 486, 1000, 1032));
    assert!(t.matches(&key(&ack), 1001));
    assert!(!t.matches(&key(&ack.replace("tag=f1", "tag=f2")), 1001));
}

/// The ACK property really is checked: our ACK seed is absorbed, and flipping one byte of its
/// tag makes it foreign (a property function that checked nothing would pass both).
#[test]
fn the_ack_seed_is_absorbed_and_a_changed_tag_is_not() {
    use sl_rs::reply::ack::{decide, AckDecision};
    use sl_rs::reply::totag::{Signature, SL_SEED};
    use sl_rs::sip::Request;
    let seed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/ack/ack-ours"))
            .unwrap();
    let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
    let req = Request::parse(&seed[8..]).unwrap();
    assert_eq!(decide(&req, &sig, 100, 132), AckDecision::Absorb);
    let mut changed = seed[8..].to_vec();
    let at = changed.windows(4).rposition(|w| w == b"tag=").unwrap() + 30;
    changed[at] ^= 1;
    let req = Request::parse(&changed).unwrap();
    assert_eq!(decide(&req, &sig, 100, 132), AckDecision::Foreign);
}
