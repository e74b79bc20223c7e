//! The hidden `timing-probe` hooks report the same outcome as the public calls they
//! stop short of, so the verdict-stage measurements of the dudect harness
//! (`ct/src/bin/constant_time.rs`) time the real decision. Only built with
//! `--features timing-probe`; kept here rather than in `ct/` so that `cargo test
//! --all-features` and `cargo mutants` (which runs this package's tests) check the
//! hooks in `src/`.
#![cfg(feature = "timing-probe")]
#![allow(clippy::unwrap_used, missing_docs)]

use mfa_core::timing_probe::totp_verdict;
use mfa_core::{Secret, otp::TotpConfig};

#[test]
fn the_totp_probe_reports_accepted_refused_and_no_match() {
    let secret = Secret::from_bytes(&[4; 20]).unwrap();
    let totp = TotpConfig::default();
    let now = 1_000_000 * 30;
    let code = totp.generate(&secret, now).unwrap();
    let wrong = format!("{:06}", (code.value() + 1) % 1_000_000);
    let step = totp.step_at(now).unwrap();
    assert_eq!(
        totp_verdict(&totp, &secret, code.as_str(), now, None).unwrap(),
        (0, step, 0)
    );
    assert_eq!(
        totp_verdict(&totp, &secret, code.as_str(), now, Some(step))
            .unwrap()
            .0,
        1
    );
    assert_eq!(
        totp_verdict(&totp, &secret, &wrong, now, None).unwrap().0,
        2
    );
}

/// `reopen` drops what a record holds in the clear and opens its seals again: with
/// the key they were sealed under it opens, with another it cannot.
#[test]
fn reopen_opens_the_seals_again_and_only_with_their_key() {
    use mfa_core::account::{MethodSetup, SetupMaterial, SetupNext};
    use mfa_core::{
        ServerKey,
        account::{Account, Mfa, MfaPolicy},
        error::Error,
    };
    use rand::SeedableRng;

    let mfa = Mfa::new(MfaPolicy::default(), ServerKey::new(1, &[7; 32]).unwrap());
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut account = Account::new();
    let app = MethodSetup::Authenticator {
        account_name: "jane@example.com",
    };
    let started = mfa.begin_setup(&mut account, app, &mut rng, 1_767_225_600);
    let started = started.in_memory().result.unwrap();
    assert!(matches!(
        started.next,
        SetupNext::Confirm(SetupMaterial::Authenticator(_))
    ));
    let mut copy = account.clone();
    assert_eq!(mfa_core::timing_probe::reopen(&mfa, &mut copy), Ok(()));
    let other = Mfa::new(MfaPolicy::default(), ServerKey::new(1, &[8; 32]).unwrap());
    assert_eq!(
        mfa_core::timing_probe::reopen(&other, &mut account),
        Err(Error::SealedValueInvalid)
    );
}
