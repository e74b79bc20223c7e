//! The light checks an email address or phone number passes before codes go to it.
//! Real validation is delivery: the code sent there confirms the method.

use alloc::string::String;

use crate::error::{Error, RecordError};
use crate::method::Method;

/// The longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// The fewest and most digits of a phone number (E.164 allows 15; short codes aside).
const PHONE_DIGITS: core::ops::RangeInclusive<usize> = 4..=15;

/// `address`, trimmed, if it has one `@` with text on both sides, no spaces or
/// control characters, and at most [`MAX_EMAIL_LEN`] bytes.
pub(crate) fn email(address: &str) -> Result<String, Error> {
    let address = address.trim();
    let ok = address.len() <= MAX_EMAIL_LEN
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(address.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if ok {
        Ok(String::from(address))
    } else {
        Err(Error::InvalidDestination)
    }
}

/// `number`, trimmed, if it is an optional leading `+` and 4 to 15 digits, with
/// spaces, hyphens, dots and parentheses allowed between them.
pub(crate) fn phone(number: &str) -> Result<String, Error> {
    let number = number.trim();
    let body = number.strip_prefix('+').unwrap_or(number);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let ok = PHONE_DIGITS.contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'));
    if ok {
        Ok(String::from(number))
    } else {
        Err(Error::InvalidDestination)
    }
}

/// Refuses a stored destination the library never stores: it validates and trims
/// each one before it keeps it.
pub(crate) fn check_stored(method: Method, to: &str) -> Result<(), RecordError> {
    let normal = match method {
        Method::Sms => phone(to),
        _ => email(to),
    };
    match normal {
        Ok(normal) if normal == to => Ok(()),
        _ => Err(RecordError::Destination),
    }
}

#[cfg(test)]
mod tests {
    use super::check_stored;
    use crate::error::RecordError;
    use crate::method::Method;

    /// A stored destination must be one the library accepts, exactly as it
    /// stores it (trimmed).
    #[test]
    fn a_stored_destination_is_in_the_form_the_library_stores() {
        let refused = Err(RecordError::Destination);
        assert_eq!(check_stored(Method::Sms, "+1 415 555 0134"), Ok(()));
        assert_eq!(check_stored(Method::Sms, " +1 415 555 0134"), refused);
        assert_eq!(check_stored(Method::Sms, "+1 (415) x"), refused);
        assert_eq!(check_stored(Method::Email, "jane@example.com"), Ok(()));
        assert_eq!(check_stored(Method::Email, "jane@example.com "), refused);
        assert_eq!(
            check_stored(Method::Email, "jane\u{7}@example.com"),
            refused
        );
    }
}
