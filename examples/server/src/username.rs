//! Usernames as stored and compared: the PRECIS `UsernameCaseMapped` profile (RFC
//! 8265 §3.3), through the `precis-profiles` crate. It maps full-width forms and
//! case, normalises to NFC, and refuses what makes lookalike or invisible names:
//! spaces, control, format and bidi-override characters (U+202E), symbols and
//! punctuation outside ASCII, and a right-to-left name that breaks the Bidi Rule.
//! `Jane` and `ｊａｎｅ` are one user; `ja\u{202E}ne` is refused.

use precis_core::profile::Profile as _;
use precis_profiles::UsernameCaseMapped;

use crate::error::ApiError;

/// The longest name accepted, in characters after normalisation.
pub const MAX_CHARS: usize = 64;

/// `raw` as stored: the profile's enforced form.
///
/// # Errors
/// `invalid_username` (400): empty, too long, or holding a character the profile
/// refuses. The message says which rule, never echoes the name.
pub fn normalise(raw: &str) -> Result<String, ApiError> {
    let refused = |why: &str| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_username",
            format!(
                "A username is 1 to {MAX_CHARS} letters, digits and ASCII punctuation, \
                 without spaces: {why}"
            ),
        )
    };
    // Checked first so a huge name costs nothing to refuse.
    if raw.chars().count() > MAX_CHARS {
        return Err(refused("this one is too long"));
    }
    let name = UsernameCaseMapped::new()
        .enforce(raw)
        .map_err(|_| refused("this one holds a character that is not allowed"))?;
    if name.chars().count() > MAX_CHARS {
        return Err(refused("this one is too long"));
    }
    Ok(name.into_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::normalise;

    #[test]
    fn case_and_width_fold_to_one_name() {
        assert_eq!(normalise("Jane").unwrap(), "jane");
        assert_eq!(normalise("ｊａｎｅ").unwrap(), "jane");
        assert_eq!(
            normalise("jane.doe@example.com").unwrap(),
            "jane.doe@example.com"
        );
        assert_eq!(normalise("Zoë").unwrap(), "zoë");
    }

    #[test]
    fn invisible_control_bidi_and_space_characters_are_refused() {
        for name in [
            "",
            "ja\u{0}ne",
            "ja\u{202E}ne",
            "ja\u{200B}ne",
            "ja ne",
            "\u{7}",
            "jane\n",
            "ja\u{FEFF}ne",
            "\u{2067}jane",
        ] {
            let error = normalise(name).unwrap_err();
            assert_eq!(error.code(), "invalid_username", "{name:?}");
        }
    }

    #[test]
    fn names_longer_than_the_limit_are_refused() {
        assert!(normalise(&"a".repeat(64)).is_ok());
        assert!(normalise(&"a".repeat(65)).is_err());
        assert!(normalise(&"a".repeat(2 << 20)).is_err());
    }
}
