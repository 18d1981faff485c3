//! The To-tag of a stateless reply, in Kamailio's format (`core/tags.h`): a 32-hex-digit
//! signature fixed for the server's first listening socket, the separator `.`, then an
//! 8-hex-digit suffix: two CRC-CCITT values over the top Via's host, port, branch and Call-ID.
//! An ACK to our reply carries the same top Via and Call-ID, so it yields the same tag.
use super::md5::md5;
use crate::sip::Request;

pub const SIGNATURE_LEN: usize = 32;
pub const TOTAG_LEN: usize = SIGNATURE_LEN + 1 + 8;
/// The signature text Kamailio's sl module hashes (`sl_startup`).
pub const SL_SEED: &[u8] = b"KAMAILIO-stateless";
const SEPARATOR: u8 = b'.';

/// The fixed part of our To-tags, made once at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; SIGNATURE_LEN]);

impl Signature {
    /// MD5 over seed, first socket address and port, each trimmed, as lower-case hex.
    pub fn new(seed: &[u8], address: &[u8], port: &[u8]) -> Signature {
        let d = md5(&[seed.trim_ascii(), address.trim_ascii(), port.trim_ascii()]);
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
        let mut t = [0u8; TOTAG_LEN];
        t[..SIGNATURE_LEN].copy_from_slice(&self.0);
        t[SIGNATURE_LEN] = SEPARATOR;
        let host = req.slice(&req.via1.host);
        let port = req.slice(&req.via1.port);
        let branch = req.via1.branch.as_ref().map_or(&b""[..], |r| req.slice(r));
        let call_id = req.call_id().unwrap_or(b"");
        crc_hex(
            &[host, port, branch],
            &mut t[SIGNATURE_LEN + 1..SIGNATURE_LEN + 5],
        );
        crc_hex(&[port, host, call_id], &mut t[SIGNATURE_LEN + 5..]);
        t
    }

    /// Whether `tag` is the one we put in a reply to this request (or to the INVITE this ACK
    /// acknowledges).
    pub fn is_ours(&self, req: &Request, tag: &[u8]) -> bool {
        tag.len() == TOTAG_LEN && tag.starts_with(&self.0) && tag == self.to_tag(req)
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// CRC-CCITT (polynomial 0x8408, initial 0xFFFF, inverted) of the concatenated parts, written as
/// Kamailio's `int2reverse_hex` does: least significant nibble first, zero-padded to 4 digits.
fn crc_hex(parts: &[&[u8]], out: &mut [u8]) {
    let mut crc: u16 = 0xFFFF;
    for p in parts {
        for &b in *p {
            crc = CCITT[((crc ^ b as u16) & 0xff) as usize] ^ (crc >> 8);
        }
    }
    let mut v = !crc;
    out.fill(b'0');
    for o in out.iter_mut() {
        if v == 0 {
            break;
        }
        *o = HEX[(v & 15) as usize];
        v >>= 4;
    }
}

/// The reflected CRC-CCITT table, generated at compile time.
const CCITT: [u16; 256] = {
    let mut t = [0u16; 256];
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
        t[i] = c;
        i += 1;
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
            &CCITT[..8],
            &[0x0000, 0x1189, 0x2312, 0x329B, 0x4624, 0x57AD, 0x6536, 0x74BF]
        );
        assert_eq!(CCITT[255], 0x0F78);
    }

    #[test]
    fn crc_hex_is_reversed_and_padded() {
        // CRC-16/X-25 of "123456789" is 0x906E; Kamailio prints it nibble-reversed.
        let mut out = [0u8; 4];
        crc_hex(&[b"1234", b"56789"], &mut out);
        assert_eq!(&out, b"e609");
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
