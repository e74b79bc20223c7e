//! Challenge-token parsing never panics on what a client sends. A token it accepts
//! is a purpose prefix and 32 hex digits, with whitespace around them ignored: it
//! writes itself back as exactly that text (digits in lower case), which parses to
//! the same token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_core::account::{ChallengeToken, TokenPurpose};
use mfa_core::account::{DisableToken, LoginToken, RegenerateToken, SetupToken};

fn check<P: TokenPurpose>(
    text: &str,
    parse: fn(&str) -> Result<ChallengeToken<P>, mfa_core::error::Error>,
) {
    let Ok(token) = parse(text) else {
        return;
    };
    let written = token.to_text();
    let written = written.expose_secret();
    assert_eq!(
        written,
        text.trim().to_ascii_lowercase(),
        "not the canonical text"
    );
    assert!(
        parse(written).expect("written text parses") == token,
        "round trip"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check(text, LoginToken::parse);
    check(text, SetupToken::parse);
    check(text, DisableToken::parse);
    check(text, RegenerateToken::parse);
});
