//! The `tag` parameter of a To or From value (name-addr or addr-spec).
use core::ops::Range;

use super::{memchr, trim};

/// Finds the `tag` parameter's value in `buf[value]`. Parameters start after the closing `>` of
/// a name-addr, or at the first `;` of a bare addr-spec (RFC 3261 20.10). `None` when there is
/// no tag, or the value has an unterminated quote or `<`.
pub fn tag_param(buf: &[u8], value: Range<usize>) -> Option<Range<usize>> {
    let v = &buf[value.clone()];
    let params = params_start(v)?;
    let mut next = params;
    for param in v[params..].split(|&b| b == b';') {
        let (at, end) = (next, next + param.len());
        next = end + 1;
        let (name, val) = match memchr(b'=', param) {
            Some(eq) => (at..at + eq, at + eq + 1..end),
            None => (at..end, end..end),
        };
        if v[trim(v, name)].eq_ignore_ascii_case(b"tag") {
            let t = trim(v, val);
            return Some(value.start + t.start..value.start + t.end);
        }
    }
    None
}

/// Where a name-addr/addr-spec's parameters begin (its `>`, or its first `;`), or the end when
/// there are none: the parameters are the `;`-separated pieces after the first one.
fn params_start(v: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'"' => {
                i += 1;
                loop {
                    match v.get(i)? {
                        b'"' => break,
                        b'\\' => i += 2,
                        _ => i += 1,
                    }
                }
            }
            // From the `>` on: what precedes the first `;` after it is never a parameter.
            b'<' => return memchr(b'>', &v[i..]).map(|p| i + p),
            b';' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    Some(v.len())
}

/// `a.b.c.d` for an IPv4 address (what Kamailio's `ip_addr2sbuf` prints), written into `buf`:
/// each octet's digits and a dot from a table, one 4-byte copy each.
pub fn fmt_ipv4(o: [u8; 4], buf: &mut [u8; 64]) -> &[u8] {
    let mut n = 0;
    for b in o {
        let (text, len) = OCTETS[usize::from(b)];
        buf[n..n + 4].copy_from_slice(&text);
        n += len;
    }
    // The last octet's dot is not part of the address.
    &buf[..n - 1]
}

/// Each octet's decimal digits followed by a dot (padded to 4 bytes), and that length.
const OCTETS: [([u8; 4], usize); 256] = {
    let mut t = [([0u8; 4], 0); 256];
    let mut v = 0;
    while v < 256 {
        let (d, len) = match v {
            0..=9 => ([b'0' + v as u8, b'.', 0, 0], 2),
            10..=99 => ([b'0' + (v / 10) as u8, b'0' + (v % 10) as u8, b'.', 0], 3),
            _ => (
                [
                    b'0' + (v / 100) as u8,
                    b'0' + (v / 10 % 10) as u8,
                    b'0' + (v % 10) as u8,
                    b'.',
                ],
                4,
            ),
        };
        t[v] = (d, len);
        v += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    #[test]
    fn ipv4_text_is_std_display() {
        let mut buf = [0u8; 64];
        for o in [
            [0, 0, 0, 0],
            [127, 0, 0, 1],
            [10, 9, 99, 100],
            [255, 255, 255, 255],
            [1, 20, 101, 250],
        ] {
            let want = std::net::Ipv4Addr::from(o).to_string();
            assert_eq!(super::fmt_ipv4(o, &mut buf), want.as_bytes());
        }
    }
}
