//! The fixture: one user, the server's `Mfa`, a clock and the user's devices, with
//! one method per operation and small helpers for reading outcomes and events.

use std::fmt::Debug;

use mfa_core::account::{
    ChallengeToken, Delivery, Disable, DisableScope, DisableToken, Disabled, LockState, Login,
    LoginToken, PendingChallenge, Prompt, Regenerate, SetupConfirmed, SetupMaterial, SetupStarted,
    SetupToken, TokenPurpose, TotpEnrollment, VerifiedWith,
};
use mfa_core::{
    Secret, ServerKey, ServerKeys,
    account::{
        Account, Event, LoginStart, Method, MethodSetup, Mfa, MfaPolicy, Outcome, SetupNext,
    },
    backup::PlainBackupCodes,
    error::Error,
    otp::TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub(crate) const T0: u64 = 1_767_225_600;
pub(crate) const EMAIL: &str = "jane.doe@example.com";
pub(crate) const PHONE: &str = "+1 415 555 0134";
pub(crate) const APP: MethodSetup<'static> = MethodSetup::Authenticator {
    account_name: EMAIL,
};
pub(crate) const MAIL: MethodSetup<'static> = MethodSetup::Email { address: EMAIL };
pub(crate) const TEXT: MethodSetup<'static> = MethodSetup::Sms { number: PHONE };
pub(crate) const DEAD: Error = Error::AttemptsExhausted;

/// An outcome read in one call: the value, or the error.
pub(crate) trait Read<T> {
    fn val(self) -> T;
    fn fail(self) -> Error;
}

impl<T: Debug> Read<T> for Outcome<T> {
    fn val(self) -> T {
        self.result.unwrap()
    }
    fn fail(self) -> Error {
        self.result.unwrap_err()
    }
}

/// Asserts an error and its stable code.
pub(crate) fn is(err: Error, want: Error, code: &str) {
    assert_eq!((err, err.code()), (want, code));
}

/// A 6-digit code that is not `code` (a wrong email / SMS code).
pub(crate) fn other(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

pub(crate) fn on(method: Method) -> Event {
    Event::MethodEnabled { method }
}

pub(crate) fn off(method: Method) -> Event {
    Event::MethodDisabled { method }
}

pub(crate) fn used(remaining: usize) -> Event {
    let running_low = remaining <= 3;
    Event::BackupCodeUsed {
        remaining,
        running_low,
    }
}

pub(crate) fn wait(until: u64) -> Error {
    Error::TooManyAttempts { retry_at: until }
}

pub(crate) fn codes(plain: &PlainBackupCodes) -> Vec<String> {
    plain.expose_secret().map(str::to_owned).collect()
}

pub(crate) fn by(method: Method) -> VerifiedWith {
    VerifiedWith::Method(method)
}

/// One user, the server's `Mfa`, a clock and the user's devices.
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
        Self::with(MfaPolicy::default())
    }

    pub(crate) fn with(policy: MfaPolicy) -> Self {
        let key = ServerKey::new(1, &[0x42; 32]).unwrap();
        Fx {
            mfa: Mfa::new(policy, key),
            rng: StdRng::seed_from_u64(2026),
            now: T0,
            acct: Account::new(),
            app: None,
            backup: Vec::new(),
        }
    }

    /// The same user and policy, the server now holding `keys`.
    pub(crate) fn rotate(&mut self, keys: ServerKeys) {
        self.mfa = Mfa::new(self.mfa.policy().clone(), keys);
    }

    /// A user with these methods enabled, in this order.
    pub(crate) fn enabled(setups: &[MethodSetup<'_>]) -> Self {
        let mut fx = Fx::new();
        for &setup in setups {
            assert!(fx.enable(setup).result.is_ok());
        }
        fx
    }

    /// What the authenticator app shows at `now`.
    pub(crate) fn totp_at(&self, now: u64) -> String {
        let secret = self.app.as_ref().expect("an app is enrolled");
        let code = TotpConfig::default().generate(secret, now).unwrap();
        code.as_str().to_owned()
    }

    /// The user waits for the app's next code.
    pub(crate) fn next_totp(&mut self) -> String {
        self.now += 30;
        self.totp_at(self.now)
    }

    /// A well-formed code that matches no step of the window at `now`.
    pub(crate) fn wrong_totp(&self) -> String {
        let valid = [-30, 0, 30].map(|d| self.totp_at(self.now.saturating_add_signed(d)));
        let mut candidates = (0..10u32).map(|d| d.to_string().repeat(6));
        candidates.find(|c| !valid.contains(c)).unwrap()
    }

    /// The code a prompt asks for: the one it sends, or the app's next one.
    pub(crate) fn answer(&mut self, prompt: &mut Prompt) -> String {
        match prompt.take_delivery() {
            Some(d) => d.code().as_str().to_owned(),
            None => self.next_totp(),
        }
    }

    /// Enrols a method end to end (stepping up with the default method if needed).
    pub(crate) fn enable(&mut self, setup: MethodSetup<'_>) -> Outcome<SetupConfirmed> {
        self.enable_showing(setup).1
    }

    /// `enable`, with what the user was shown: the app's secret, or where the code
    /// was sent.
    pub(crate) fn enable_showing(
        &mut self,
        setup: MethodSetup<'_>,
    ) -> (SetupMaterial, Outcome<SetupConfirmed>) {
        self.now += 30;
        let started = self.setup(setup).val();
        let material = match started.next {
            SetupNext::Confirm(material) => material,
            SetupNext::StepUp(mut prompt) => {
                let code = self.answer(&mut prompt);
                self.step_up(&started.token, &code).val()
            }
        };
        let code = match &material {
            SetupMaterial::Authenticator(e) => {
                self.app = Some(e.secret().clone());
                self.totp_at(self.now)
            }
            SetupMaterial::Oob(d) => d.code().as_str().to_owned(),
        };
        let out = self.confirm(&started.token, &code);
        if let Some(plain) = &out.result.as_ref().unwrap().backup_codes {
            self.backup = codes(plain);
        }
        (material, out)
    }

    /// Starts enrolling a first authenticator: what the user is shown.
    pub(crate) fn first_authenticator(&mut self) -> TotpEnrollment {
        match self.setup(APP).val().next {
            SetupNext::Confirm(SetupMaterial::Authenticator(enrolment)) => enrolment,
            _ => panic!("a first authenticator shows its secret"),
        }
    }

    pub(crate) fn login(&mut self) -> PendingChallenge<Login> {
        match self.begin_login().val() {
            LoginStart::Required(pending) => pending,
            LoginStart::NotRequired => panic!("MFA is on"),
        }
    }

    /// A login challenge, or `None` when the account is hard-locked.
    pub(crate) fn login_or_locked(&mut self) -> Option<PendingChallenge<Login>> {
        match self.begin_login().result {
            Ok(LoginStart::Required(pending)) => Some(pending),
            Err(Error::MfaLocked) => None,
            other => panic!("sign-in began with {other:?}"),
        }
    }

    /// Switches a challenge to `m` and returns the code the user then types.
    pub(crate) fn code_via<P: TokenPurpose>(
        &mut self,
        token: &ChallengeToken<P>,
        m: Method,
    ) -> String {
        let mut prompt = self.switch(token, m).val();
        self.answer(&mut prompt)
    }

    // One method per operation, each returning its outcome.

    pub(crate) fn setup(&mut self, setup: MethodSetup<'_>) -> Outcome<SetupStarted> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.begin_setup(a, setup, r, n).in_memory()
    }
    pub(crate) fn step_up(&mut self, token: &SetupToken, code: &str) -> Outcome<SetupMaterial> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.verify_step_up(a, token, code, r, n).in_memory()
    }
    pub(crate) fn confirm(&mut self, token: &SetupToken, code: &str) -> Outcome<SetupConfirmed> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.confirm_setup(a, token, code, r, n).in_memory()
    }
    pub(crate) fn begin_login(&mut self) -> Outcome<LoginStart> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.begin_login(a, r, n).in_memory()
    }
    pub(crate) fn verify(&mut self, token: &LoginToken, code: &str) -> Outcome<VerifiedWith> {
        let out = self.mfa.verify_login(&mut self.acct, token, code, self.now);
        let Outcome { result, events } = out.in_memory();
        let result = result.map(|v| v.with);
        Outcome { result, events }
    }
    pub(crate) fn switch<P: TokenPurpose>(
        &mut self,
        token: &ChallengeToken<P>,
        m: Method,
    ) -> Outcome<Prompt> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.switch_method(a, token, m, r, n).in_memory()
    }
    pub(crate) fn resend<P: TokenPurpose>(
        &mut self,
        token: &ChallengeToken<P>,
    ) -> Outcome<Delivery> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.resend(a, token, r, n).in_memory()
    }
    pub(crate) fn set_default(&mut self, method: Method) -> Outcome<()> {
        let (a, n) = (&mut self.acct, self.now);
        self.mfa.set_default_method(a, method, n).in_memory()
    }
    pub(crate) fn begin_disable(
        &mut self,
        scope: DisableScope,
    ) -> Outcome<PendingChallenge<Disable>> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.begin_disable(a, scope, r, n).in_memory()
    }
    pub(crate) fn disable(&mut self, token: &DisableToken, code: &str) -> Outcome<Disabled> {
        let (a, n) = (&mut self.acct, self.now);
        self.mfa.verify_disable(a, token, code, n).in_memory()
    }
    pub(crate) fn begin_regen(&mut self) -> Outcome<PendingChallenge<Regenerate>> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.begin_regenerate(a, r, n).in_memory()
    }
    pub(crate) fn unlock(&mut self) -> Outcome<u32> {
        self.mfa.unlock(&mut self.acct, self.now).in_memory()
    }
    pub(crate) fn reset(&mut self) -> Outcome<Vec<Method>> {
        self.mfa.reset_factors(&mut self.acct, self.now).in_memory()
    }
    pub(crate) fn lock_state(&self) -> LockState {
        self.mfa.lock_state(&self.acct, self.now)
    }
}
