//! What a header line is to a reply, by its name: copied, checked for a repeat, or neither.

/// The headers a stateless reply copies or reads, and those Kamailio allows once (checked, not
/// copied); everything else is `Other`.
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
    Other,
}

impl HeaderKind {
    /// The bit a duplicate check keeps for a header Kamailio allows once in a request; 0 for
    /// one that may repeat. Content-Length and Max-Forwards may repeat in an HTTP request.
    pub fn once_bit(self, http: bool) -> u8 {
        match self {
            HeaderKind::From => 1,
            HeaderKind::To => 2,
            HeaderKind::CallId => 4,
            HeaderKind::CSeq => 8,
            HeaderKind::ContentLength if !http => 16,
            HeaderKind::MaxForwards if !http => 32,
            _ => 0,
        }
    }

    /// The lines a reply copies (what a host hands over of its split).
    pub fn copied(self) -> bool {
        !matches!(
            self,
            HeaderKind::ContentLength | HeaderKind::MaxForwards | HeaderKind::Other
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
            12 if name[0] | 0x20 == b'r' => named(name, b"record-route", HeaderKind::RecordRoute),
            12 => named(name, b"max-forwards", HeaderKind::MaxForwards),
            14 => named(name, b"content-length", HeaderKind::ContentLength),
            _ => HeaderKind::Other,
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
