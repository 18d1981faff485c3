//! The To-tag of a stateless reply, in Kamailio's format (`core/tags.h`): a 32-hex-digit
//! signature fixed for the server's first listening socket, the separator `.`, then an
//! 8-hex-digit suffix: two CRC-CCITT values over the top Via's host, port, branch and Call-ID.
//! An ACK to our reply carries the same top Via and Call-ID, so it yields the same tag.
use md5::{Digest, Md5};

use crate::sip::Request;

pub const SIGNATURE_LEN: usize = 32;
pub const TOTAG_LEN: usize = SIGNATURE_LEN + 1 + 8;
/// `;tag=` and a To-tag of ours ([`Signature::tag_param`]).
pub const TAG_PARAM_LEN: usize = 5 + TOTAG_LEN;
/// The signature text Kamailio's sl module hashes (`sl_startup`).
pub const SL_SEED: &[u8] = b"KAMAILIO-stateless";
const SEPARATOR: u8 = b'.';

/// The fixed part of our To-tags, made once at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; SIGNATURE_LEN]);

impl Signature {
    /// MD5 over seed, first socket address and port, each trimmed, as lower-case hex.
    pub fn new(seed: &[u8], address: &[u8], port: &[u8]) -> Signature {
        let mut h = Md5::new();
        for part in [seed, address, port] {
            h.update(part.trim_ascii());
        }
        let d = h.finalize();
        let mut s = [0u8; SIGNATURE_LEN];
        for (i, b) in d.iter().enumerate() {
            s[2 * i] = HEX[(b >> 4) as usize];
            s[2 * i + 1] = HEX[(b & 15) as usize];
        }
        Signature(s)
    }

    /// Rebuilds a signature from its 32 hex digits.
    pub fn from_hex(hex: &[u8]) -> Option<Signature> {
        let s: [u8; SIGNATURE_LEN] = hex.try_into().ok()?;
        s.iter().all(u8::is_ascii_hexdigit).then_some(Signature(s))
    }

    pub fn as_bytes(&self) -> &[u8; SIGNATURE_LEN] {
        &self.0
    }

    /// The full To-tag for a request.
    pub fn to_tag(&self, req: &Request) -> [u8; TOTAG_LEN] {
        self.tag_for(&TagInput::of(req))
    }

    /// `;tag=` and the To-tag for a request: what a reply adds to its To, in one piece.
    // Written in place and always inlined into the reply's build, where the request's fields
    // sit in registers.
    #[inline(always)]
    pub fn tag_param(&self, req: &Request) -> [u8; TAG_PARAM_LEN] {
        let mut p = [0u8; TAG_PARAM_LEN];
        p[..5].copy_from_slice(b";tag=");
        p[5..5 + SIGNATURE_LEN].copy_from_slice(&self.0);
        p[5 + SIGNATURE_LEN] = SEPARATOR;
        p[6 + SIGNATURE_LEN..].copy_from_slice(&suffix(&TagInput::of(req)));
        p
    }

    /// The full To-tag for the request these fields come from.
    pub fn tag_for(&self, t: &TagInput) -> [u8; TOTAG_LEN] {
        let mut tag = [0u8; TOTAG_LEN];
        tag[..SIGNATURE_LEN].copy_from_slice(&self.0);
        tag[SIGNATURE_LEN] = SEPARATOR;
        tag[SIGNATURE_LEN + 1..].copy_from_slice(&suffix(t));
        tag
    }

    /// Whether `tag` is the one we put in a reply to this request (or to the INVITE this ACK
    /// acknowledges).
    pub fn is_ours(&self, req: &Request, tag: &[u8]) -> bool {
        self.is_ours_for(&TagInput::of(req), tag)
    }

    /// [`Signature::is_ours`] from the request's fields; the cheap tests first, and only the
    /// suffix computed (the ACK filter runs this on every ACK in the window).
    pub fn is_ours_for(&self, t: &TagInput, tag: &[u8]) -> bool {
        // Of fixed length: the compares below need no bounds checks and unroll.
        let Ok(tag) = <&[u8; TOTAG_LEN]>::try_from(tag) else {
            return false;
        };
        tag[..SIGNATURE_LEN] == self.0
            && tag[SIGNATURE_LEN] == SEPARATOR
            && tag[SIGNATURE_LEN + 1..] == suffix(t)
    }
}

/// The 8-hex-digit suffix of the tag for these fields. Kamailio's string arrays end at the
/// first absent string: without a port in the top Via, the first value covers the host alone
/// and the second nothing (likewise from an absent host on; branch and Call-ID come last, so
/// absent is empty for them).
fn suffix(t: &TagInput) -> [u8; 8] {
    let (host, port) = (t.host, t.port);
    let first = match (host.is_empty(), port.is_empty()) {
        (true, _) => CRC_INIT,
        (false, true) => crc_update(CRC_INIT, host),
        (false, false) => crc_update(crc_update(crc_update(CRC_INIT, host), port), t.branch),
    };
    let second = match (port.is_empty(), host.is_empty()) {
        (true, _) => CRC_INIT,
        (false, true) => crc_update(CRC_INIT, port),
        (false, false) => crc_update(crc_update(crc_update(CRC_INIT, port), host), t.call_id),
    };
    let [a, b] = reversed_hex(!first);
    let [c, d] = reversed_hex(!second);
    [a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1]]
}

/// What the To-tag suffix is computed from: the top Via's host, port and branch, and the
/// Call-ID (each empty when absent; a Via host or port is never empty when present).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagInput<'a> {
    pub host: &'a [u8],
    pub port: &'a [u8],
    pub branch: &'a [u8],
    pub call_id: &'a [u8],
}

impl<'a> TagInput<'a> {
    #[inline(always)]
    pub fn of(req: &Request<'a>) -> TagInput<'a> {
        TagInput {
            host: req.slice(req.via1.host),
            port: req.slice(req.via1.port),
            branch: req.via1.branch.map_or(&b""[..], |s| req.slice(s)),
            call_id: req.call_id().unwrap_or(b""),
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// CRC-CCITT's initial value (polynomial 0x8408; the result is inverted).
const CRC_INIT: u16 = 0xFFFF;

/// A CRC value as Kamailio's `int2reverse_hex` writes it: least significant nibble first,
/// zero-padded to 4 digits (the padding digit is the zero nibble's, so all four nibbles are
/// simply written).
fn reversed_hex(v: u16) -> [[u8; 2]; 2] {
    let [lo, hi] = v.to_le_bytes();
    [HEX_REVERSED[usize::from(lo)], HEX_REVERSED[usize::from(hi)]]
}

/// A byte's two hex digits, low nibble first (`int2reverse_hex`'s order).
const HEX_REVERSED: [[u8; 2]; 256] = {
    let mut t = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = [HEX[b & 15], HEX[b >> 4]];
        b += 1;
    }
    t
};

/// Eight bytes per step ("slicing-by-8": table k advances a byte through k more zero bytes),
/// then four, two and one: about three instructions per byte instead of eight, and no loop
/// for the tail of a short part (a Via host, a port).
#[inline(always)]
fn crc_update(mut crc: u16, mut data: &[u8]) -> u16 {
    while let Some((c, rest)) = data.split_first_chunk::<8>() {
        let x = crc ^ u16::from_le_bytes([c[0], c[1]]);
        crc = CCITT[7][usize::from(x & 0xff)]
            ^ CCITT[6][usize::from(x >> 8)]
            ^ CCITT[5][usize::from(c[2])]
            ^ CCITT[4][usize::from(c[3])]
            ^ CCITT[3][usize::from(c[4])]
            ^ CCITT[2][usize::from(c[5])]
            ^ CCITT[1][usize::from(c[6])]
            ^ CCITT[0][usize::from(c[7])];
        data = rest;
    }
    if let Some(([a, b, c, d], rest)) = data.split_first_chunk::<4>() {
        let x = crc ^ u16::from_le_bytes([*a, *b]);
        crc = CCITT[3][usize::from(x & 0xff)]
            ^ CCITT[2][usize::from(x >> 8)]
            ^ CCITT[1][usize::from(*c)]
            ^ CCITT[0][usize::from(*d)];
        data = rest;
    }
    if let Some((pair, rest)) = data.split_first_chunk::<2>() {
        let x = crc ^ u16::from_le_bytes(*pair);
        crc = CCITT[1][usize::from(x & 0xff)] ^ CCITT[0][usize::from(x >> 8)];
        data = rest;
    }
    if let [b] = data {
        crc = CCITT[0][usize::from((crc ^ u16::from(*b)) & 0xff)] ^ (crc >> 8);
    }
    crc
}

/// The reflected CRC-CCITT tables, generated at compile time: `[0]` is the byte table of
/// Kamailio's `core/crc.c`, `[k]` is `[k-1]` advanced by one zero byte.
const CCITT: [[u16; 256]; 8] = {
    let mut t = [[0u16; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u16;
        let mut j = 0;
        while j < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x8408
            } else {
                c >> 1
            };
            j += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_kamailio_crc_c() {
        // First entries of ccitt_tab[] in Kamailio's core/crc.c.
        assert_eq!(
            &CCITT[0][..8],
            &[0x0000, 0x1189, 0x2312, 0x329B, 0x4624, 0x57AD, 0x6536, 0x74BF]
        );
        assert_eq!(CCITT[0][255], 0x0F78);
    }

    #[test]
    fn eight_bytes_a_step_equal_one_byte_a_step() {
        let bytewise = |crc: u16, d: &[u8]| {
            d.iter().fold(crc, |c, &b| {
                CCITT[0][usize::from((c ^ u16::from(b)) & 0xff)] ^ (c >> 8)
            })
        };
        let data: Vec<u8> = (0u32..300).map(|i| (i * 151 + 7) as u8).collect();
        for len in 0..data.len() {
            for start in [0xFFFF, 0x1234] {
                assert_eq!(
                    crc_update(start, &data[..len]),
                    bytewise(start, &data[..len])
                );
            }
        }
    }

    /// The suffix half of these parts, as `suffix` computes each.
    fn crc_of(parts: &[&[u8]]) -> Vec<u8> {
        reversed_hex(!parts.iter().fold(CRC_INIT, |c, p| crc_update(c, p))).concat()
    }

    #[test]
    fn crc_values_are_written_reversed_and_padded() {
        // CRC-16/X-25 of "123456789" is 0x906E; Kamailio prints it nibble-reversed.
        assert_eq!(crc_of(&[b"1234", b"", b"56789"]), b"e609");
        assert_eq!(reversed_hex(0x0f0a).concat(), b"a0f0");
        // The value of the parts is the value of their concatenation.
        let long = [b'x'; 200];
        let a = crc_of(&[&long[..100], &long[100..150], &long[150..]]);
        assert_eq!(a, crc_of(&[&long]));
        assert_eq!(
            crc_of(&[&long[..10], &long[10..20], &long[20..30]]),
            crc_of(&[&long[..30], b"", b""])
        );
        let want = !crc_update(0xFFFF, &long);
        let hex: Vec<u8> = (0..4)
            .map(|i| HEX[usize::from((want >> (4 * i)) & 15)])
            .collect();
        assert_eq!(a, hex);
    }

    #[test]
    fn signature_is_the_md5_of_the_trimmed_parts() {
        // md5("KAMAILIO-stateless127.0.0.15060"), as Kamailio's sl_startup hashes it.
        let want = b"9dd61ff61e802d8e2bef5f14621ef3c2";
        assert_eq!(
            Signature::new(SL_SEED, b"127.0.0.1", b"5060").as_bytes(),
            want
        );
        assert_eq!(
            Signature::new(SL_SEED, b" 127.0.0.1\t", b"5060 ").as_bytes(),
            want
        );
        assert_eq!(Signature::from_hex(want), Some(Signature(*want)));
        assert_eq!(Signature::from_hex(&want[1..]), None);
        assert_eq!(
            Signature::from_hex(b"9dd61ff61e802d8e2bef5f14621ef3cg"),
            None
        );
    }

    #[test]
    fn a_via_without_port_ends_the_suffix_input_as_kamailio_does() {
        // Native sl's tag for this request, from a Kamailio 5.6.3 answering it: the first CRC
        // covers the host only, the second nothing (0xFFFF inverted).
        let m = b"INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKd1;rport\r\n\
            Call-ID: CID@127.0.0.1\r\n\r\n";
        let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
        let tag = sig.to_tag(&Request::parse(m).unwrap());
        assert_eq!(&tag[SIGNATURE_LEN..], b".78550000");
    }

    #[test]
    fn an_absent_host_ends_the_suffix_input_too() {
        let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
        let t = TagInput {
            host: b"",
            port: b"5070",
            branch: b"z9hG4bK1",
            call_id: b"c",
        };
        let want = [crc_of(&[]), crc_of(&[b"5070"])].concat();
        assert_eq!(&sig.tag_for(&t)[SIGNATURE_LEN + 1..], &want);
        assert_eq!(&want[..4], b"0000");
    }

    #[test]
    fn tag_depends_on_via_and_call_id() {
        let sig = Signature::new(SL_SEED, b"127.0.0.1", b"5060");
        let a =
            b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:1;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n";
        let b =
            b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:1;branch=z9hG4bK2\r\nCall-ID: x\r\n\r\n";
        let ra = Request::parse(a).unwrap();
        let rb = Request::parse(b).unwrap();
        let ta = sig.to_tag(&ra);
        assert_eq!(&ta[..32], sig.as_bytes());
        assert_eq!(ta[32], b'.');
        assert_ne!(ta, sig.to_tag(&rb));
        assert!(sig.is_ours(&ra, &ta));
        assert!(!sig.is_ours(&rb, &ta));
        let other = Signature::new(SL_SEED, b"127.0.0.1", b"5061");
        assert!(!other.is_ours(&ra, &ta));
    }
}
