//! Masked hints: enough of an address or number for the user to recognise where the
//! code went, not enough to learn it.

use alloc::string::String;

/// What stands in for the hidden part of an email's local part.
const EMAIL_MASK: &str = "•••";
/// What stands in for the hidden part of a phone number.
const PHONE_MASK: &str = "••••";

/// Masks an email address for display: the first character of the local part, `•••`,
/// then `@` and the domain as given (`jane.doe@example.com` → `j•••@example.com`).
///
/// - The mask has a fixed width, so the local part's length is not revealed. A local
///   part of one character is shown whole (followed by the mask, so nobody can tell).
/// - The domain is the text after the **last** `@` (a quoted local part may contain
///   `@`; a domain may not).
/// - Never panics: the first character is taken whole (any script, any emoji code
///   point); an empty local part gives `•••@domain`; text without `@` gives `•••`
///   alone, since nothing in it is known to be a domain.
///
/// Take the address from your own record of the user, not from the request.
///
/// ```
/// use mfa_core::oob::mask_email;
/// assert_eq!(mask_email("jane.doe@example.com"), "j•••@example.com");
/// assert_eq!(mask_email("ü@x.de"), "ü•••@x.de");
/// assert_eq!(mask_email("@example.com"), "•••@example.com");
/// assert_eq!(mask_email("no at sign"), "•••");
/// ```
#[must_use]
pub fn mask_email(address: &str) -> String {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return String::from(EMAIL_MASK);
    };
    let mut out = String::with_capacity(domain.len().saturating_add(12));
    if let Some(first) = local.chars().next() {
        out.push(first);
    }
    out.push_str(EMAIL_MASK);
    out.push('@');
    out.push_str(domain);
    out
}

/// Masks a phone number for display: `••••`, a space, and its last digits
/// (`+1 415 555 0134` → `•••• 0134`).
///
/// Only ASCII digits count. A number with 8 or more digits shows its last 4, one with
/// 4 to 7 its last 2, anything shorter shows `••••` alone. Formatting (spaces,
/// dashes, `+`, parentheses) is dropped. Never panics, whatever the input.
///
/// ```
/// use mfa_core::oob::mask_phone;
/// assert_eq!(mask_phone("+1 415 555 0134"), "•••• 0134");
/// assert_eq!(mask_phone("+44 20 7946 0958"), "•••• 0958");
/// assert_eq!(mask_phone("12 34"), "•••• 34");
/// assert_eq!(mask_phone("12"), "••••");
/// ```
#[must_use]
pub fn mask_phone(number: &str) -> String {
    let total = number.bytes().filter(u8::is_ascii_digit).count();
    let shown = match total {
        8.. => 4,
        4..=7 => 2,
        _ => 0,
    };
    let mut out = String::from(PHONE_MASK);
    if shown == 0 {
        return out;
    }
    out.push(' ');
    let tail = number
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip(total.saturating_sub(shown));
    out.extend(tail.map(char::from));
    out
}

impl super::OobChannel {
    /// `destination` masked the way this channel's addresses are: [`mask_email`] or
    /// [`mask_phone`].
    #[must_use]
    pub fn mask(self, destination: &str) -> String {
        match self {
            super::OobChannel::Email => mask_email(destination),
            super::OobChannel::Sms => mask_phone(destination),
        }
    }
}
