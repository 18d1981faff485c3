//! What a header line is to a reply, by its name: copied, checked for a repeat, or neither.

/// The headers a stateless reply copies or reads, those Kamailio allows once (checked, not
/// copied), and Retry-After, whose value Kamailio's parser checks; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    Via,
    From,
    To,
    CallId,
    CSeq,
    RecordRoute,
    ContentLength,
    MaxForwards,
    RetryAfter,
    Other,
}

impl HeaderKind {
    /// The bit a duplicate check keeps for a header Kamailio's parser may refuse to see twice
    /// ([`ParserMode::refused_twice`] says when); 0 for one that may always repeat.
    pub fn once_bit(self) -> u8 {
        match self {
            HeaderKind::From => 1,
            HeaderKind::To => 2,
            HeaderKind::CallId => 4,
            HeaderKind::CSeq => 8,
            HeaderKind::ContentLength => 16,
            HeaderKind::MaxForwards => 32,
            _ => 0,
        }
    }

    /// The lines a reply copies (what a host hands over of its split).
    pub fn copied(self) -> bool {
        !matches!(
            self,
            HeaderKind::ContentLength
                | HeaderKind::MaxForwards
                | HeaderKind::RetryAfter
                | HeaderKind::Other
        )
    }

    /// The lines whose values Kamailio's parser reads as it splits them (its `get_hdr_field`:
    /// Via, To, CSeq, Retry-After; Content-Length too, whose rule is checked here alike).
    /// After a host's split, the host judges these ([`super::ParseError::ForHost`]).
    pub fn host_parsed(self) -> bool {
        matches!(
            self,
            HeaderKind::Via | HeaderKind::To | HeaderKind::CSeq | HeaderKind::RetryAfter
        )
    }

    /// Classifies a header name, long or compact form, in any case: by length first, so most
    /// names cost one compare.
    pub fn of(name: &[u8]) -> HeaderKind {
        match name.len() {
            1 => match name[0] | 0x20 {
                b'v' => HeaderKind::Via,
                b'f' => HeaderKind::From,
                b't' => HeaderKind::To,
                b'i' => HeaderKind::CallId,
                b'l' => HeaderKind::ContentLength,
                _ => HeaderKind::Other,
            },
            2 => named(name, b"to", HeaderKind::To),
            3 => named(name, b"via", HeaderKind::Via),
            4 if name[0] | 0x20 == b'f' => named(name, b"from", HeaderKind::From),
            4 => named(name, b"cseq", HeaderKind::CSeq),
            7 => named(name, b"call-id", HeaderKind::CallId),
            11 => named(name, b"retry-after", HeaderKind::RetryAfter),
            12 if name[0] | 0x20 == b'r' => named(name, b"record-route", HeaderKind::RecordRoute),
            12 => named(name, b"max-forwards", HeaderKind::MaxForwards),
            14 => named(name, b"content-length", HeaderKind::ContentLength),
            _ => HeaderKind::Other,
        }
    }
}

/// Kamailio's `sip_parser_mode`: strict (its default) refuses a SIP request with a second
/// From, To, Call-ID, CSeq or Content-Length; lenient (`sip_parser_mode=0`) lets them through,
/// and a reply then copies each. A second Max-Forwards is refused in both; an HTTP request may
/// repeat any header (the core checks only SIP requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParserMode {
    #[default]
    Strict,
    Lenient,
}

impl ParserMode {
    /// The [`HeaderKind::once_bit`]s of the headers a request may not repeat.
    pub fn refused_twice(self, http: bool) -> u8 {
        match (http, self) {
            (true, _) => 0,
            (false, ParserMode::Strict) => 0b11_1111,
            (false, ParserMode::Lenient) => HeaderKind::MaxForwards.once_bit(),
        }
    }
}

/// `kind` when `name` is `long` (lower case) in any case, else `Other`. Inlined with a constant
/// `long`, so the compare is unrolled: `b | 0x20` folds a letter's case, and `-` is compared
/// exactly (CR is its `| 0x20` twin).
#[inline(always)]
fn named<const N: usize>(name: &[u8], long: &[u8; N], kind: HeaderKind) -> HeaderKind {
    let Ok(name) = <&[u8; N]>::try_from(name) else {
        return HeaderKind::Other;
    };
    let diff = name.iter().zip(long).fold(0u8, |d, (&b, &l)| {
        let fold = if l == b'-' { 0 } else { 0x20 };
        d | ((b | fold) ^ l)
    });
    if diff == 0 {
        kind
    } else {
        HeaderKind::Other
    }
}
