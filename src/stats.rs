//! The statistics model: which counter a reply lands in, and the figures Kamailio shows.
//!
//! The counters are one block of atomics in shared memory, made before the workers fork.
//! Every worker adds to the same block, so a read is exact at any moment. (Native keeps one
//! block per process and caches their sum for a second, so a read can lag.)
#![forbid(unsafe_code)]

use core::ffi::CStr;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// One counter of the shared block. The reply counters come first, in native's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    R1xx,
    R200,
    R202,
    R2xx,
    R300,
    R301,
    R302,
    R3xx,
    R400,
    R401,
    R403,
    R404,
    R407,
    R408,
    R483,
    R4xx,
    R500,
    R5xx,
    R6xx,
    Rxxx,
    /// Replies sent by `sl_reply_error()`.
    SentErr,
    /// Replies that were not sent: refused, too big, or the send failed.
    Failures,
    /// ACKs to our replies that were absorbed.
    FilteredAcks,
}

const COUNTERS: usize = Counter::FilteredAcks as usize + 1;
/// The reply counters are the first `REPLY_COUNTERS`; `sent_replies` is their sum.
const REPLY_COUNTERS: usize = Counter::Rxxx as usize + 1;

impl Counter {
    /// The counter a reply with `code` goes to. Codes with a counter of their own are those
    /// native has; other codes go to their class; anything outside 100..699 to `xxx`.
    pub fn for_code(code: u16) -> Counter {
        use Counter::*;
        match code {
            100..=199 => R1xx,
            200 => R200,
            202 => R202,
            201..=299 => R2xx,
            300 => R300,
            301 => R301,
            302 => R302,
            303..=399 => R3xx,
            400 => R400,
            401 => R401,
            403 => R403,
            404 => R404,
            407 => R407,
            408 => R408,
            483 => R483,
            402..=499 => R4xx,
            500 => R500,
            501..=599 => R5xx,
            600..=699 => R6xx,
            _ => Rxxx,
        }
    }
}

/// A statistic as Kamailio shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    One(Counter),
    /// `sent_replies`: every reply sent.
    SentReplies,
}

/// The statistics registered with Kamailio under the group `sl`, with native's names
/// (C strings: the host keeps pointers to them).
pub const STATS: [(&CStr, Stat); 24] = {
    use Counter::*;
    use Stat::{One, SentReplies};
    [
        (c"1xx_replies", One(R1xx)),
        (c"200_replies", One(R200)),
        (c"202_replies", One(R202)),
        (c"2xx_replies", One(R2xx)),
        (c"300_replies", One(R300)),
        (c"301_replies", One(R301)),
        (c"302_replies", One(R302)),
        (c"3xx_replies", One(R3xx)),
        (c"400_replies", One(R400)),
        (c"401_replies", One(R401)),
        (c"403_replies", One(R403)),
        (c"404_replies", One(R404)),
        (c"407_replies", One(R407)),
        (c"408_replies", One(R408)),
        (c"483_replies", One(R483)),
        (c"4xx_replies", One(R4xx)),
        (c"500_replies", One(R500)),
        (c"5xx_replies", One(R5xx)),
        (c"6xx_replies", One(R6xx)),
        (c"xxx_replies", One(Rxxx)),
        (c"sent_replies", SentReplies),
        (c"sent_err_replies", One(SentErr)),
        (c"failures", One(Failures)),
        (c"received_ACKs", One(FilteredAcks)),
    ]
};

/// The fields of `kamcmd sl.stats`, in native's order, with `1xx` added in front.
pub const RPC_FIELDS: [(&CStr, Counter); 20] = {
    use Counter::*;
    [
        (c"1xx", R1xx),
        (c"200", R200),
        (c"202", R202),
        (c"2xx", R2xx),
        (c"300", R300),
        (c"301", R301),
        (c"302", R302),
        (c"3xx", R3xx),
        (c"400", R400),
        (c"401", R401),
        (c"403", R403),
        (c"404", R404),
        (c"407", R407),
        (c"408", R408),
        (c"483", R483),
        (c"4xx", R4xx),
        (c"500", R500),
        (c"5xx", R5xx),
        (c"6xx", R6xx),
        (c"xxx", Rxxx),
    ]
};

/// The shared block of counters (`repr(C)`: it is placed in the host's shared memory).
#[repr(C)]
#[derive(Debug)]
pub struct Counters([AtomicU64; COUNTERS]);

impl Default for Counters {
    fn default() -> Self {
        Counters(core::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl Counters {
    fn add(&self, c: Counter) {
        self.0[c as usize].fetch_add(1, Relaxed);
    }

    /// A reply went out statelessly.
    pub fn reply(&self, code: u16) {
        self.add(Counter::for_code(code));
    }

    /// The reply that went out was `sl_reply_error()`'s.
    pub fn reply_error(&self) {
        self.add(Counter::SentErr);
    }

    pub fn failure(&self) {
        self.add(Counter::Failures);
    }

    pub fn filtered_ack(&self) {
        self.add(Counter::FilteredAcks);
    }

    pub fn get(&self, c: Counter) -> u64 {
        self.0[c as usize].load(Relaxed)
    }

    pub fn value(&self, s: Stat) -> u64 {
        match s {
            Stat::One(c) => self.get(c),
            Stat::SentReplies => self.0[..REPLY_COUNTERS]
                .iter()
                .map(|a| a.load(Relaxed))
                .sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name of the `sl.stats` field a counter is shown as.
    fn field(c: Counter) -> &'static str {
        RPC_FIELDS
            .iter()
            .find(|(_, f)| *f == c)
            .map(|(n, _)| n.to_str().unwrap())
            .unwrap_or_else(|| panic!("{c:?} is no reply counter"))
    }

    #[test]
    fn every_code_lands_in_its_own_counter_its_class_or_xxx() {
        // Native's codes with a counter of their own; every other code counts in its class.
        const OWN: [u16; 13] = [
            200, 202, 300, 301, 302, 400, 401, 403, 404, 407, 408, 483, 500,
        ];
        for code in 0..=1000u16 {
            let want = match code {
                c if OWN.contains(&c) => c.to_string(),
                100..=699 => format!("{}xx", code / 100),
                _ => "xxx".to_string(),
            };
            assert_eq!(field(Counter::for_code(code)), want, "code {code}");
        }
    }

    #[test]
    fn sent_replies_sums_every_reply_counter_and_nothing_else() {
        let c = Counters::default();
        for (_, counter) in RPC_FIELDS {
            c.add(counter);
        }
        c.reply_error();
        c.failure();
        c.filtered_ack();
        assert_eq!(c.value(Stat::SentReplies), RPC_FIELDS.len() as u64);
        for (_, counter) in RPC_FIELDS {
            assert_eq!(c.get(counter), 1, "{counter:?}");
        }
    }

    #[test]
    fn counts_sum_and_separate() {
        let c = Counters::default();
        for code in [200, 200, 404, 180, 503, 500] {
            c.reply(code);
        }
        c.reply_error();
        c.failure();
        c.filtered_ack();
        c.filtered_ack();
        let by_name = |n: &str| {
            c.value(
                STATS
                    .iter()
                    .find(|(s, _)| s.to_bytes() == n.as_bytes())
                    .unwrap()
                    .1,
            )
        };
        assert_eq!(by_name("200_replies"), 2);
        assert_eq!(by_name("404_replies"), 1);
        assert_eq!(by_name("1xx_replies"), 1);
        assert_eq!(by_name("5xx_replies"), 1);
        assert_eq!(by_name("500_replies"), 1);
        assert_eq!(by_name("sent_replies"), 6);
        assert_eq!(by_name("sent_err_replies"), 1);
        assert_eq!(by_name("failures"), 1);
        assert_eq!(by_name("received_ACKs"), 2);
        assert_eq!(by_name("xxx_replies"), 0);
    }

    #[test]
    fn every_counter_is_exported_once() {
        let mut seen = [0; COUNTERS];
        for (_, s) in STATS {
            if let Stat::One(c) = s {
                seen[c as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
        for (i, (_, c)) in RPC_FIELDS.iter().enumerate() {
            assert_eq!(*c as usize, i, "rpc fields follow the counter order");
        }
    }
}
