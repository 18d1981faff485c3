//! `sl_forward_reply(code, reason)`: what a script may change in a reply it forwards.
#![forbid(unsafe_code)]

use super::check_reason;

/// Why a forwarded reply's new status was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardError {
    /// The new code is not three digits.
    BadCode,
    /// The new code is of another class than the received one (2xx stays 2xx).
    ClassChange,
    /// The new reason holds a control character.
    BadReason,
}

impl core::fmt::Display for ForwardError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ForwardError::BadCode => "the new reply code must be three digits",
            ForwardError::ClassChange => "the reply code class cannot be changed",
            ForwardError::BadReason => "the new reason phrase holds a control character",
        })
    }
}

/// Reads a new status code: three digits, class 1 to 6; empty means "keep" (`None`). This is
/// all that can be checked before a reply is at hand.
pub fn parse_code(code: &[u8]) -> Result<Option<[u8; 3]>, ForwardError> {
    if code.is_empty() {
        return Ok(None);
    }
    let new: [u8; 3] = code.try_into().map_err(|_| ForwardError::BadCode)?;
    if !new.iter().all(u8::is_ascii_digit) || !(b'1'..=b'6').contains(&new[0]) {
        return Err(ForwardError::BadCode);
    }
    Ok(Some(new))
}

/// Checks a new status code for a received reply whose status is `status`; an empty `code`
/// keeps the received one (`None`).
pub fn new_code(status: &[u8], code: &[u8]) -> Result<Option<[u8; 3]>, ForwardError> {
    let new = parse_code(code)?;
    match new {
        Some(n) if status.first() != Some(&n[0]) => Err(ForwardError::ClassChange),
        _ => Ok(new),
    }
}

/// Checks a new reason phrase; an empty one keeps the received phrase (`None`).
pub fn check_reason_text(reason: &[u8]) -> Result<Option<&[u8]>, ForwardError> {
    if reason.is_empty() {
        return Ok(None);
    }
    check_reason(reason).map_err(|_| ForwardError::BadReason)?;
    Ok(Some(reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(new_code(b"408", b""), Ok(None));
        assert_eq!(new_code(b"408", b"404"), Ok(Some(*b"404")));
        assert_eq!(new_code(b"183", b"180"), Ok(Some(*b"180")));
        assert_eq!(new_code(b"408", b"504"), Err(ForwardError::ClassChange));
        assert_eq!(new_code(b"200", b"20"), Err(ForwardError::BadCode));
        assert_eq!(new_code(b"200", b"2000"), Err(ForwardError::BadCode));
        assert_eq!(new_code(b"200", b"2x0"), Err(ForwardError::BadCode));
        assert_eq!(new_code(b"700", b"700"), Err(ForwardError::BadCode));
        assert_eq!(new_code(b"", b"200"), Err(ForwardError::ClassChange));
        assert_eq!(parse_code(b"699"), Ok(Some(*b"699")));
        assert_eq!(parse_code(b"099"), Err(ForwardError::BadCode));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(ForwardError::BadCode.to_string().contains("three digits"));
        assert!(ForwardError::ClassChange.to_string().contains("class"));
        assert!(ForwardError::BadReason
            .to_string()
            .contains("control character"));
    }

    #[test]
    fn reasons() {
        assert_eq!(check_reason_text(b""), Ok(None));
        assert_eq!(check_reason_text(b"Not Here"), Ok(Some(&b"Not Here"[..])));
        assert_eq!(
            check_reason_text(b"x\r\nVia: evil"),
            Err(ForwardError::BadReason)
        );
        assert_eq!(check_reason_text(&[b'a'; 300]), Ok(Some(&[b'a'; 300][..])));
        assert_eq!(check_reason_text(b"\0"), Err(ForwardError::BadReason));
    }
}
