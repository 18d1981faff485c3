//! `sl_reply_error()`: Kamailio's last internal error (`prev_ser_error`) to a reply code and
//! reason, as the core's `err2reason_phrase` does, with the signature "SL".
use std::io::Write;

use super::MAX_REASON_LEN;

// Kamailio's error codes (core/error.h) that have their own text.
const E_OK: i32 = 0;
const E_OUT_OF_MEM: i32 = -2;
const E_BAD_TUPEL: i32 = -9;
const E_EXEC: i32 = -11;
const E_TOO_MANY_BRANCHES: i32 = -12;
const E_BAD_TO: i32 = -13;
const E_Q_INV_CHAR: i32 = -15;
const E_Q_EMPTY: i32 = -16;
const E_Q_TOO_BIG: i32 = -17;
const E_Q_DEC_MISSING: i32 = -18;
const E_BAD_REQ: i32 = -400;
const E_SEND: i32 = -477;
const E_BAD_ADDRESS: i32 = -478;
const E_BAD_URI: i32 = -479;
const E_CANCELED: i32 = -487;
const E_BAD_SERVER: i32 = -500;

/// A reason phrase in a fixed buffer (no allocation).
#[derive(Clone, Copy)]
pub struct ErrorReply {
    pub code: u16,
    text: [u8; MAX_REASON_LEN],
    len: usize,
}

impl ErrorReply {
    pub fn reason(&self) -> &[u8] {
        &self.text[..self.len]
    }
}

/// Maps an internal error to the reply `sl_reply_error()` sends.
pub fn error_reply(ser_error: i32) -> ErrorReply {
    let (text, code) = match ser_error {
        E_SEND => (
            "Unfortunately error on sending to next hop occurred",
            -ser_error,
        ),
        E_BAD_ADDRESS => ("Unresolvable destination", -ser_error),
        E_BAD_REQ => ("Bad Request", -ser_error),
        E_BAD_URI => (
            "Regretfully, we were not able to process the URI",
            -ser_error,
        ),
        E_BAD_TUPEL => ("Transaction tuple incomplete", -E_BAD_REQ),
        E_BAD_TO => ("Bad To", -E_BAD_REQ),
        E_EXEC => ("Error in external logic", -E_BAD_SERVER),
        E_TOO_MANY_BRANCHES => ("Forking capacity exceeded", -E_BAD_SERVER),
        E_Q_INV_CHAR => ("Invalid character in q parameter", -E_BAD_REQ),
        E_Q_EMPTY => ("Empty q parameter", -E_BAD_REQ),
        E_Q_TOO_BIG => ("Q parameter too big", -E_BAD_REQ),
        E_Q_DEC_MISSING => ("Decimal part missing in q", -E_BAD_REQ),
        E_CANCELED => ("Transaction canceled", -ser_error),
        // Lack of memory is not disclosed (Kamailio's release builds do the same).
        E_OUT_OF_MEM | E_OK => ("No error", 500),
        _ => ("I'm terribly sorry, server error occurred", 500),
    };
    let mut r = ErrorReply {
        code: code as u16,
        text: [0; MAX_REASON_LEN],
        len: 0,
    };
    // Native prints into MAX_REASON_LEN bytes; the longest text with the longest number is 67,
    // so nothing is ever cut.
    let mut cur = std::io::Cursor::new(&mut r.text[..]);
    let _ = write!(cur, "{} ({}/SL)", text, ser_error.wrapping_neg());
    r.len = cur.position() as usize;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_errors_map_like_err2reason_phrase() {
        let r = error_reply(E_BAD_REQ);
        assert_eq!((r.code, r.reason()), (400, &b"Bad Request (400/SL)"[..]));
        let r = error_reply(E_BAD_TO);
        assert_eq!((r.code, r.reason()), (400, &b"Bad To (13/SL)"[..]));
        let r = error_reply(E_TOO_MANY_BRANCHES);
        assert_eq!(
            (r.code, r.reason()),
            (500, &b"Forking capacity exceeded (12/SL)"[..])
        );
        let r = error_reply(E_BAD_ADDRESS);
        assert_eq!(
            (r.code, r.reason()),
            (478, &b"Unresolvable destination (478/SL)"[..])
        );
        let r = error_reply(E_OK);
        assert_eq!((r.code, r.reason()), (500, &b"No error (0/SL)"[..]));
        let r = error_reply(E_OUT_OF_MEM);
        assert_eq!((r.code, r.reason()), (500, &b"No error (2/SL)"[..]));
    }

    #[test]
    fn every_error_with_a_text_maps_as_err2reason_phrase() {
        // The numbers of Kamailio 5.6's core/error.h, written out (not the constants above),
        // with the code and text its err2reason_phrase gives them.
        let table: [(i32, u16, &str); 16] = [
            (
                -477,
                477,
                "Unfortunately error on sending to next hop occurred",
            ),
            (-478, 478, "Unresolvable destination"),
            (-400, 400, "Bad Request"),
            (
                -479,
                479,
                "Regretfully, we were not able to process the URI",
            ),
            (-9, 400, "Transaction tuple incomplete"),
            (-13, 400, "Bad To"),
            (-11, 500, "Error in external logic"),
            (-12, 500, "Forking capacity exceeded"),
            (-15, 400, "Invalid character in q parameter"),
            (-16, 400, "Empty q parameter"),
            (-17, 400, "Q parameter too big"),
            (-18, 400, "Decimal part missing in q"),
            (-487, 487, "Transaction canceled"),
            (-2, 500, "No error"),
            (0, 500, "No error"),
            (-500, 500, "I'm terribly sorry, server error occurred"),
        ];
        for (err, code, text) in table {
            let r = error_reply(err);
            let want = format!("{text} ({}/SL)", -i64::from(err));
            assert_eq!((r.code, r.reason()), (code, want.as_bytes()), "{err}");
        }
    }

    #[test]
    fn unknown_and_extreme_errors_are_500() {
        let r = error_reply(-6);
        assert_eq!(
            (r.code, r.reason()),
            (
                500,
                &b"I'm terribly sorry, server error occurred (6/SL)"[..]
            )
        );
        let r = error_reply(i32::MIN);
        assert_eq!(r.code, 500);
        assert!(super::super::check_reason(r.reason()).is_ok());
    }
}
