//! What a read-only copy of the database holds: no authenticator secret in any
//! form and no address or phone number in the clear, at every stage of every flow;
//! and sealed values that do not open where they were not sealed.

use mfa_core::account::{LoginStart, SetupMaterial, SetupNext};
use mfa_core::{
    Secret, ServerKey, ServerKeys,
    account::{Account, Method, MethodSetup, Mfa, MfaPolicy},
    error::Error,
    otp::TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

const T0: u64 = 1_767_225_600;
const EMAIL: &str = "jane.doe@example.com";
const PHONE: &str = "+1 415 555 0134";

/// Every way a stored record could hold `secret` readably.
fn forms_of(secret: &Secret) -> Vec<String> {
    let bytes = secret.expose_secret();
    let b32 = secret.to_base32().expose_secret().to_owned();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let array = bytes
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",");
    vec![
        b32.clone(),
        b32.to_lowercase(),
        hex.clone(),
        hex.to_uppercase(),
        array,
        String::from_utf8_lossy(bytes).into_owned(),
    ]
}

/// Asserts the stored form of `account` at `stage` holds none of `secrets` and no
/// address or phone number, then that it loads again.
fn holds_nothing_usable(stage: &str, account: &Account, secrets: &[Secret]) {
    let json = serde_json::to_string(account).unwrap();
    for secret in secrets {
        for form in forms_of(secret) {
            assert!(
                !json.contains(&form),
                "{stage}: the secret as {form:?} in {json}"
            );
        }
    }
    for clear in [EMAIL, PHONE, "jane.doe", "555 0134", "5550134"] {
        assert!(!json.contains(clear), "{stage}: {clear:?} in {json}");
    }
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["v"], 2, "{stage}");
    let back: Account = serde_json::from_str(&json).unwrap();
    assert!(back == *account, "{stage}: it loads back");
}

struct User {
    mfa: Mfa,
    rng: StdRng,
    now: u64,
    account: Account,
    secrets: Vec<Secret>,
}

impl User {
    fn new() -> Self {
        User {
            mfa: Mfa::new(MfaPolicy::default(), ServerKey::new(1, &[7; 32]).unwrap()),
            rng: StdRng::seed_from_u64(5),
            now: T0,
            account: Account::new(),
            secrets: Vec::new(),
        }
    }

    fn check(&self, stage: &str) {
        holds_nothing_usable(stage, &self.account, &self.secrets);
    }

    /// Enrols `setup`, checking the record at each stage of the enrolment.
    fn enrol(&mut self, setup: MethodSetup<'_>) {
        self.now += 60;
        let (a, r, n) = (&mut self.account, &mut self.rng, self.now);
        let started = self
            .mfa
            .begin_setup(a, setup, r, n)
            .in_memory()
            .result
            .unwrap();
        self.check("setup begun");
        let material = match started.next {
            SetupNext::Confirm(material) => material,
            SetupNext::StepUp(mut prompt) => {
                let code = self.code_for(&mut prompt);
                let (a, r, n) = (&mut self.account, &mut self.rng, self.now);
                let step = self.mfa.verify_step_up(a, &started.token, &code, r, n);
                let material = step.in_memory().result.unwrap();
                self.check("stepped up");
                material
            }
        };
        let code = match material {
            SetupMaterial::Authenticator(e) => {
                self.secrets.push(e.secret().clone());
                self.check("authenticator pending");
                self.app_code()
            }
            SetupMaterial::Oob(d) => d.code().as_str().to_owned(),
        };
        let (a, r, n) = (&mut self.account, &mut self.rng, self.now);
        let done = self.mfa.confirm_setup(a, &started.token, &code, r, n);
        assert!(done.in_memory().result.is_ok());
        self.check("enabled");
    }

    fn app_code(&self) -> String {
        let secret = self.secrets.last().unwrap();
        let code = TotpConfig::default().generate(secret, self.now).unwrap();
        code.as_str().to_owned()
    }

    fn code_for(&mut self, prompt: &mut mfa_core::account::Prompt) -> String {
        match prompt.take_delivery() {
            Some(d) => d.code().as_str().to_owned(),
            None => {
                self.now += 30;
                self.app_code()
            }
        }
    }
}

#[test]
fn a_stored_record_holds_no_secret_and_no_address_at_any_stage() {
    let mut user = User::new();
    user.enrol(MethodSetup::Authenticator {
        account_name: EMAIL,
    });
    user.enrol(MethodSetup::Email { address: EMAIL });
    user.enrol(MethodSetup::Sms { number: PHONE });
    let (a, r, n) = (&mut user.account, &mut user.rng, user.now);
    let default = user.mfa.set_default_method(a, Method::Email, n);
    assert!(default.in_memory().result.is_ok());
    let (a, r, n) = (&mut user.account, r, n + 30);
    let Ok(LoginStart::Required(login)) = user.mfa.begin_login(a, r, n).in_memory().result else {
        panic!("MFA is on")
    };
    user.check("mid-login");
    let resent = user
        .mfa
        .resend(&mut user.account, &login.token, &mut user.rng, n + 61);
    assert!(resent.in_memory().result.is_ok());
    user.check("after a resend");
    let hint = user.mfa.hint(&user.account, Method::Sms).unwrap();
    assert_eq!(
        hint.as_deref(),
        Some("•••• 0134"),
        "the hint is masked after unsealing"
    );
    // From a record just loaded, which holds only the sealed forms: each address
    // opens for its own field.
    let json = serde_json::to_string(&user.account).unwrap();
    let loaded: Account = serde_json::from_str(&json).unwrap();
    let sms = user.mfa.hint(&loaded, Method::Sms).unwrap();
    assert_eq!(sms.as_deref(), Some("•••• 0134"));
    let email = user.mfa.hint(&loaded, Method::Email).unwrap().unwrap();
    assert!(
        email.contains('•') && email.ends_with("example.com"),
        "{email}"
    );
}

/// A record of the first schema, with its secrets in the clear, is sealed by its
/// next change and never written in the clear again.
#[test]
fn a_clear_record_is_sealed_on_its_next_change() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/records");
    let text = std::fs::read_to_string(format!("{dir}/v1_enabled.json")).unwrap();
    let user: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/v1_enabled.user.json")).unwrap(),
    )
    .unwrap();
    let secret = Secret::from_base32(user["secret"].as_str().unwrap()).unwrap();
    let mut account: Account = serde_json::from_str(&text).unwrap();
    let mfa = Mfa::new(
        MfaPolicy::default(),
        ServerKey::new(1, &[0x42; 32]).unwrap(),
    );
    let mut rng = StdRng::seed_from_u64(1);
    let start = mfa
        .begin_login(&mut account, &mut rng, T0 + 600)
        .in_memory();
    assert!(start.result.is_ok());
    holds_nothing_usable("after the first change", &account, &[secret]);
}

/// A sealed value moved to another user's record does not open there: the call
/// fails with `sealed_value_invalid` and nothing about that record changes. A
/// record sealed under a key the ring lacks names the key instead.
#[test]
fn a_sealed_value_moved_to_another_record_does_not_open() {
    let mut jane = User::new();
    jane.enrol(MethodSetup::Email { address: EMAIL });
    let mut mallory = User::new();
    mallory.rng = StdRng::seed_from_u64(6);
    mallory.enrol(MethodSetup::Email {
        address: "mallory@example.com",
    });
    let mut stolen: Value = serde_json::to_value(&mallory.account).unwrap();
    stolen["email"]["to"] = serde_json::to_value(&jane.account).unwrap()["email"]["to"].clone();
    let mut edited: Account = serde_json::from_value(stolen).expect("the right shape loads");
    let before = serde_json::to_string(&edited).unwrap();
    let out = mallory
        .mfa
        .begin_login(&mut edited, &mut mallory.rng, T0 + 600)
        .in_memory();
    assert_eq!(out.result.map(|_| ()), Err(Error::SealedValueInvalid));
    assert_eq!(
        serde_json::to_string(&edited).unwrap(),
        before,
        "nothing changed"
    );

    let rotated = Mfa::new(
        MfaPolicy::default(),
        ServerKeys::new(ServerKey::new(2, &[8; 32]).unwrap()),
    );
    let stored = serde_json::to_string(&jane.account).unwrap();
    let mut copy: Account = serde_json::from_str(&stored).unwrap();
    let out = rotated
        .begin_login(&mut copy, &mut jane.rng, T0 + 600)
        .in_memory();
    let err = out.result.map(|_| ()).unwrap_err();
    assert_eq!(
        err,
        Error::ServerKeyMismatch {
            stored: 1,
            given: 2
        }
    );
    assert_eq!(err.code(), "server_key_mismatch");
}

/// A sign-in check opens only the secret it checks: an address is opened by the
/// operations that send to or show it (each value opened costs about a
/// microsecond), so a damaged address stops those, not a sign-in with the app.
#[test]
fn a_sign_in_check_opens_only_the_secret_it_checks() {
    let mut user = User::new();
    user.enrol(MethodSetup::Authenticator {
        account_name: EMAIL,
    });
    user.enrol(MethodSetup::Email { address: EMAIL });
    let now = user.now + 60;
    let (a, r) = (&mut user.account, &mut user.rng);
    let Ok(LoginStart::Required(login)) = user.mfa.begin_login(a, r, now).in_memory().result else {
        panic!("MFA is on")
    };
    let mut damaged = serde_json::to_value(&user.account).unwrap();
    let sealed = damaged["email"]["to"]["s"]
        .as_str()
        .unwrap()
        .replace('0', "1");
    damaged["email"]["to"]["s"] = Value::from(sealed);
    let mut loaded: Account = serde_json::from_value(damaged).unwrap();
    let code = TotpConfig::default()
        .generate(user.secrets.last().unwrap(), now)
        .unwrap();
    let out = user
        .mfa
        .verify_login(&mut loaded, &login.token, code.as_str(), now);
    assert!(out.in_memory().result.is_ok(), "the app's code signs in");
    let again = user
        .mfa
        .begin_login(&mut loaded, &mut user.rng, now + 30)
        .in_memory();
    assert_eq!(again.result.map(|_| ()), Err(Error::SealedValueInvalid));
}
