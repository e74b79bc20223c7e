//! A user and the server on a simulated clock, and the round trip every stored-form
//! test goes through.

use mfa_core::account::{Login, LoginStart, PendingChallenge, Prompt, SetupMaterial};
use mfa_core::{
    Secret, ServerKey,
    account::{Account, MethodSetup, Mfa, MfaPolicy, Outcome, SetupNext},
    otp::TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

pub(crate) const T0: u64 = 1_767_225_600;
pub(crate) const APP: MethodSetup<'static> = MethodSetup::Authenticator {
    account_name: "jane.doe@example.com",
};
pub(crate) const MAIL: MethodSetup<'static> = MethodSetup::Email {
    address: "jane.doe@example.com",
};
pub(crate) const TEXT: MethodSetup<'static> = MethodSetup::Sms {
    number: "+1 415 555 0134",
};

pub(crate) fn val<T>(out: Outcome<T>) -> T {
    out.result.unwrap()
}

/// Serialises, loads and serialises again: the two texts must be identical and the
/// loaded record equal to the original. Returns the JSON.
pub(crate) fn round_trip(account: &Account) -> String {
    let json = serde_json::to_string(account).unwrap();
    let back: Account = serde_json::from_str(&json).unwrap();
    assert!(back == *account, "{json}");
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    json
}

/// Loads `account`'s JSON after `edit`; the error text if it is refused.
pub(crate) fn load_edited(
    account: &Account,
    edit: impl FnOnce(&mut Value),
) -> Result<Account, String> {
    let mut value = serde_json::to_value(account).unwrap();
    edit(&mut value);
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// A user and the server, on a simulated clock.
pub(crate) struct Fx {
    pub(crate) mfa: Mfa,
    pub(crate) rng: StdRng,
    pub(crate) now: u64,
    pub(crate) acct: Account,
    pub(crate) app: Option<Secret>,
    pub(crate) backup: Vec<String>,
}

impl Fx {
    pub(crate) fn new() -> Self {
        Fx {
            mfa: Mfa::new(MfaPolicy::default(), ServerKey::new(1, &[7; 32]).unwrap()),
            rng: StdRng::seed_from_u64(99),
            now: T0,
            acct: Account::new(),
            app: None,
            backup: Vec::new(),
        }
    }

    pub(crate) fn enabled(setups: &[MethodSetup<'_>]) -> Self {
        let mut fx = Fx::new();
        for &setup in setups {
            fx.enable(setup);
        }
        fx
    }

    /// What the authenticator app shows now.
    pub(crate) fn totp(&self) -> String {
        let secret = self.app.as_ref().unwrap();
        let code = TotpConfig::default().generate(secret, self.now).unwrap();
        code.as_str().to_owned()
    }

    /// The authenticator app's next code.
    pub(crate) fn next_totp(&mut self) -> String {
        self.now += 30;
        self.totp()
    }

    /// The code a prompt asks for: the one it sends, or the app's next one.
    pub(crate) fn answer(&mut self, prompt: &mut Prompt) -> String {
        match prompt.take_delivery() {
            Some(d) => d.code().as_str().to_owned(),
            None => self.next_totp(),
        }
    }

    pub(crate) fn enable(&mut self, setup: MethodSetup<'_>) {
        self.now += 30;
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        let started = val(self.mfa.begin_setup(a, setup, r, n).in_memory());
        let material = match started.next {
            SetupNext::Confirm(material) => material,
            SetupNext::StepUp(mut prompt) => {
                let code = self.answer(&mut prompt);
                let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
                let step = self.mfa.verify_step_up(a, &started.token, &code, r, n);
                val(step.in_memory())
            }
        };
        let code = match material {
            SetupMaterial::Authenticator(e) => {
                self.app = Some(e.secret().clone());
                self.totp()
            }
            SetupMaterial::Oob(d) => d.code().as_str().to_owned(),
        };
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        let done = self.mfa.confirm_setup(a, &started.token, &code, r, n);
        if let Some(plain) = val(done.in_memory()).backup_codes {
            self.backup = plain.expose_secret().map(str::to_owned).collect();
        }
    }

    pub(crate) fn login(&mut self) -> PendingChallenge<Login> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        let start = self.mfa.begin_login(a, r, n);
        match val(start.in_memory()) {
            LoginStart::Required(pending) => pending,
            LoginStart::NotRequired => panic!("MFA is on"),
        }
    }

    /// Lets every challenge expire: what is left of each is its tombstone (any
    /// operation makes them), at most one per purpose.
    pub(crate) fn tidy(&mut self) {
        self.now += 601;
        let (a, n) = (&mut self.acct, self.now);
        let default = a.default_method().unwrap();
        val(self.mfa.set_default_method(a, default, n).in_memory());
        let stored = serde_json::to_value(&self.acct).unwrap();
        let challenges = stored["challenges"].as_array().unwrap();
        assert!(
            challenges
                .iter()
                .all(|c| c["task"].get("expired").is_some())
        );
    }
}
