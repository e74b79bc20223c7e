//! Contracts of the account and out-of-band layers that no flow test pinned down:
//! the policy accessors and the bounds of `MfaPolicy::with_challenges`, the masked
//! hint of a delivery, when a prompt accepts backup codes, the redacted `Debug` of an
//! authenticator enrolment, when a method was enabled, and challenge-token equality.
//! Each was a mutant that survived `cargo mutants` (docs/mutants.md).
#![allow(clippy::unwrap_used, missing_docs)]

use mfa_core::account::{
    Login, LoginStart, LoginToken, MAX_CHALLENGE_LIFETIME, PendingChallenge, SetupMaterial,
    SetupNext, ThrottlePolicy, TotpEnrollment,
};
use mfa_core::error::{ConfigError, PolicyField};
use mfa_core::{Account, Method, MethodSetup, Mfa, MfaPolicy, Secret, ServerKey, TotpConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

const T0: u64 = 1_767_225_600;
const EMAIL: &str = "jane.doe@example.com";
const PHONE: &str = "+1 415 555 0134";
const APP: MethodSetup<'static> = MethodSetup::Authenticator {
    account_name: EMAIL,
};
const MAIL: MethodSetup<'static> = MethodSetup::Email { address: EMAIL };
const TEXT: MethodSetup<'static> = MethodSetup::Sms { number: PHONE };

fn key() -> ServerKey {
    ServerKey::new(1, &[0x42; 32]).unwrap()
}

/// One user, the server, and the user's authenticator app once enrolled.
struct Fx {
    mfa: Mfa,
    rng: StdRng,
    acct: Account,
    app: Option<Secret>,
}

impl Fx {
    fn with(policy: MfaPolicy) -> Self {
        Fx {
            mfa: Mfa::new(policy, key()),
            rng: StdRng::seed_from_u64(2026),
            acct: Account::new(),
            app: None,
        }
    }

    /// The code the app shows at `now`.
    fn totp_at(&self, now: u64) -> String {
        let secret = self.app.as_ref().unwrap();
        let code = TotpConfig::default().generate(secret, now).unwrap();
        code.as_str().to_owned()
    }

    /// Enrols `setup` end to end at `now` (stepping up first if asked) and returns
    /// the material shown. Calls must be at least one TOTP step apart.
    fn enable(&mut self, setup: MethodSetup<'_>, now: u64) -> SetupMaterial {
        let (a, r) = (&mut self.acct, &mut self.rng);
        let started = self.mfa.begin_setup(a, setup, r, now).in_memory();
        let started = started.result.unwrap();
        let material = match started.next {
            SetupNext::Confirm(material) => material,
            SetupNext::StepUp(mut prompt) => {
                let code = match prompt.take_delivery() {
                    Some(d) => d.code().as_str().to_owned(),
                    None => self.totp_at(now),
                };
                let (a, r) = (&mut self.acct, &mut self.rng);
                let out = self.mfa.verify_step_up(a, &started.token, &code, r, now);
                out.in_memory().result.unwrap()
            }
        };
        let code = match &material {
            SetupMaterial::Authenticator(e) => {
                self.app = Some(e.secret().clone());
                self.totp_at(now + 30)
            }
            SetupMaterial::Oob(d) => d.code().as_str().to_owned(),
        };
        let (a, r) = (&mut self.acct, &mut self.rng);
        let out = self.mfa.confirm_setup(a, &started.token, &code, r, now);
        assert!(out.in_memory().result.is_ok());
        material
    }

    /// Starts enrolling a first authenticator at `T0`: what the user is shown.
    fn first_authenticator(&mut self) -> TotpEnrollment {
        let (a, r) = (&mut self.acct, &mut self.rng);
        let started = self
            .mfa
            .begin_setup(a, APP, r, T0)
            .in_memory()
            .result
            .unwrap();
        match started.next {
            SetupNext::Confirm(SetupMaterial::Authenticator(enrolment)) => enrolment,
            _ => unreachable!("a first authenticator shows its secret"),
        }
    }

    fn login(&mut self, now: u64) -> PendingChallenge<Login> {
        let (a, r) = (&mut self.acct, &mut self.rng);
        match self.mfa.begin_login(a, r, now).in_memory().result.unwrap() {
            LoginStart::Required(pending) => pending,
            LoginStart::NotRequired => unreachable!("MFA is on: sign-in asks for a second factor"),
        }
    }
}

// ThrottlePolicy and MfaPolicy accessors.

#[test]
fn a_throttle_policy_reports_the_delays_it_was_given() {
    let policy = ThrottlePolicy::new(2, 45, 700, 8, 1_800).unwrap();
    assert_eq!((policy.first_delay(), policy.max_delay()), (45, 700));
    let default = ThrottlePolicy::default();
    assert_eq!((default.first_delay(), default.max_delay()), (30, 900));
}

#[test]
fn a_policy_reports_the_issuer_it_was_given_and_none_by_default() {
    assert_eq!(MfaPolicy::default().issuer(), None);
    let policy = MfaPolicy::default().with_issuer("Acme Corp");
    assert_eq!(policy.issuer(), Some("Acme Corp"));
}

#[test]
fn with_totp_sets_the_configuration_of_new_secrets_and_keeps_every_other_setting() {
    let eight = TotpConfig::default().with_digits(8).unwrap();
    let policy = MfaPolicy::default()
        .with_issuer("Acme Corp")
        .with_challenges(300, 3)
        .unwrap()
        .with_totp(eight);
    assert_eq!(policy.totp(), &eight);
    assert_eq!(policy.issuer(), Some("Acme Corp"));
    assert_eq!(
        (policy.challenge_lifetime(), policy.challenge_attempts()),
        (300, 3)
    );
    // New secrets are enrolled with it: the URI asks the app for 8 digits.
    let mut fx = Fx::with(policy);
    let enrolment = fx.first_authenticator();
    let uri = enrolment.uri().expose_secret();
    assert!(uri.contains("digits=8") && uri.contains("Acme"), "{uri}");
}

#[test]
fn a_policy_reports_the_challenge_limits_it_was_given() {
    let default = MfaPolicy::default();
    assert_eq!(
        (
            default.challenge_lifetime(),
            default.challenge_attempts(),
            default.codes_per_hour()
        ),
        (600, 5, 10)
    );
    let policy = MfaPolicy::default()
        .with_challenges(420, 7)
        .unwrap()
        .with_codes_per_hour(4)
        .unwrap();
    assert_eq!(
        (
            policy.challenge_lifetime(),
            policy.challenge_attempts(),
            policy.codes_per_hour()
        ),
        (420, 7, 4)
    );
}

#[test]
fn with_challenges_accepts_lifetimes_from_one_second_to_the_maximum_and_any_attempts() {
    for (lifetime, attempts) in [
        (1, 1),
        (2, 255),
        (600, 5),
        (MAX_CHALLENGE_LIFETIME - 1, 2),
        (MAX_CHALLENGE_LIFETIME, 9),
    ] {
        let policy = MfaPolicy::default().with_challenges(lifetime, attempts);
        let policy = policy.unwrap_or_else(|e| panic!("({lifetime}, {attempts}): {e:?}"));
        assert_eq!(
            (policy.challenge_lifetime(), policy.challenge_attempts()),
            (lifetime, attempts)
        );
    }
}

#[test]
fn with_challenges_refuses_a_zero_or_too_long_lifetime_and_zero_attempts() {
    let refused = Err(ConfigError::Policy(PolicyField::Challenge));
    for (lifetime, attempts) in [
        (0, 5),
        (0, 1),
        (MAX_CHALLENGE_LIFETIME + 1, 5),
        (MAX_CHALLENGE_LIFETIME + 1, 1),
        (MAX_CHALLENGE_LIFETIME * 2, 5),
        (u64::MAX, 5),
        (600, 0),
        (1, 0),
        (0, 0),
    ] {
        let got = MfaPolicy::default().with_challenges(lifetime, attempts);
        assert_eq!(got, refused, "({lifetime}, {attempts})");
    }
}

// What the operations hand back.

#[test]
fn a_delivery_hint_is_the_destination_masked_for_its_channel() {
    let mut fx = Fx::with(MfaPolicy::default());
    let SetupMaterial::Oob(mail) = fx.enable(MAIL, T0) else {
        panic!("email setup sends a code");
    };
    assert_eq!(mail.hint(), "j•••@example.com");
    let SetupMaterial::Oob(text) = fx.enable(TEXT, T0 + 60) else {
        panic!("SMS setup sends a code");
    };
    assert_eq!(text.hint(), "•••• 0134");
    // The sign-in prompt's delivery agrees with the prompt's own hint.
    let login = fx.login(T0 + 120);
    let delivery = login.prompt.delivery().unwrap();
    assert_eq!(delivery.hint(), "j•••@example.com");
    assert_eq!(Some(&*delivery.hint()), login.prompt.hint());
}

#[test]
fn a_prompt_accepts_backup_codes_when_the_account_has_a_set() {
    let mut fx = Fx::with(MfaPolicy::default());
    let _ = fx.enable(MAIL, T0);
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    assert!(fx.login(T0 + 60).prompt.backup_codes_accepted());
}

/// A record stored without a backup-code set (loading accepts one) has nothing a
/// backup code could be checked against, and its prompts say so.
#[cfg(feature = "serde")]
#[test]
fn a_prompt_refuses_backup_codes_when_the_account_has_no_set() {
    let mut fx = Fx::with(MfaPolicy::default());
    let _ = fx.enable(MAIL, T0);
    let mut record = serde_json::to_value(&fx.acct).unwrap();
    assert!(
        record
            .as_object_mut()
            .unwrap()
            .remove("backup_codes")
            .is_some()
    );
    fx.acct = serde_json::from_value(record).unwrap();
    assert_eq!(fx.acct.backup_codes_remaining(), None);
    let login = fx.login(T0 + 60);
    assert!(!login.prompt.backup_codes_accepted(), "{:?}", login.prompt);
    assert_eq!(login.prompt.method(), Method::Email);
}

#[test]
fn an_enrolment_debugs_its_settings_but_never_its_secret_or_uri() {
    let eight = TotpConfig::default().with_digits(8).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_totp(eight));
    let enrolment = fx.first_authenticator();
    let shown = format!("{enrolment:?}");
    assert!(shown.starts_with("TotpEnrollment"), "{shown}");
    for field in ["secret", "uri", "compatibility", "[redacted]"] {
        assert!(shown.contains(field), "{field:?} missing in {shown}");
    }
    // The compatibility report is shown as the report itself shows it.
    let report = format!("{:?}", enrolment.compatibility());
    assert!(shown.contains(&report), "{report} missing in {shown}");
    let secret = enrolment.secret().to_base32().expose_secret().to_owned();
    let uri = enrolment.uri().expose_secret().to_owned();
    for hidden in [&*secret, &uri, "otpauth", &secret[..8]] {
        assert!(!shown.contains(hidden), "{hidden:?} in {shown}");
    }
}

// The account record.

#[test]
fn enabled_at_is_when_each_method_was_confirmed_and_none_before() {
    let mut fx = Fx::with(MfaPolicy::default());
    for method in Method::ALL {
        assert_eq!(fx.acct.enabled_at(method), None, "{method:?}");
    }
    let _ = fx.enable(MAIL, T0 + 7);
    let _ = fx.enable(APP, T0 + 120);
    assert_eq!(fx.acct.enabled_at(Method::Email), Some(T0 + 7));
    assert_eq!(fx.acct.enabled_at(Method::Authenticator), Some(T0 + 120));
    assert_eq!(fx.acct.enabled_at(Method::Sms), None);
    let _ = fx.enable(TEXT, T0 + 300);
    assert_eq!(fx.acct.enabled_at(Method::Sms), Some(T0 + 300));
    assert_eq!(fx.acct.enabled_at(Method::Email), Some(T0 + 7), "unchanged");
}

#[test]
fn challenge_tokens_are_equal_only_with_the_same_bytes() {
    let token = |hex: &str| LoginToken::parse(&format!("login_{hex}")).unwrap();
    let zeros = "00000000000000000000000000000000";
    let a = token(zeros);
    assert_eq!(a, token(zeros));
    assert_eq!(a, a.clone());
    assert_ne!(a, token("00000000000000000000000000000001"), "last byte");
    assert_ne!(a, token("80000000000000000000000000000000"), "first byte");
    assert_ne!(a, token("ffffffffffffffffffffffffffffffff"), "every byte");
    // Real tokens: each sign-in draws a new one; its text reads back as itself.
    let mut fx = Fx::with(MfaPolicy::default());
    let _ = fx.enable(MAIL, T0);
    let first = fx.login(T0 + 60).token;
    let second = fx.login(T0 + 120).token;
    assert_ne!(first, second);
    let text = second.to_text().expose_secret().to_owned();
    assert_eq!(LoginToken::parse(&text).unwrap(), second);
}
