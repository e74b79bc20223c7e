//! The account state machine driven through the seed endpoints (setup, verify setup,
//! login, switch, resend, disable, regenerate) on a simulated clock, with the
//! authenticator app played by `TotpConfig::generate` and a seeded CSPRNG.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::convert::Infallible;
use std::fmt::Debug;

use mfa_core::account::{
    ChallengeToken, Delivery, Disable, DisableScope, DisableToken, Disabled, Login, LoginToken,
    PendingChallenge, Prompt, Purpose, Regenerate, SetupConfirmed, SetupMaterial, SetupStarted,
    SetupToken, ThrottlePolicy, TokenPurpose, VerifiedWith,
};
use mfa_core::error::CodeFormatError;
use mfa_core::{
    Account, Error, Event, LoginStart, Method, MethodSetup, Mfa, MfaPolicy, OobChannel, OobPolicy,
    Outcome, PlainBackupCodes, Secret, ServerKey, SetupNext, TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

use DisableScope::Everything;
use Method::{Authenticator as Totp, Email, Sms};
use OobChannel::{Email as ByEmail, Sms as BySms};

const T0: u64 = 1_767_225_600;
const EMAIL: &str = "jane.doe@example.com";
const PHONE: &str = "+1 415 555 0134";
const APP: MethodSetup<'static> = MethodSetup::Authenticator {
    account_name: EMAIL,
};
const MAIL: MethodSetup<'static> = MethodSetup::Email { address: EMAIL };
const TEXT: MethodSetup<'static> = MethodSetup::Sms { number: PHONE };
const DEAD: Error = Error::TooManyAttempts { retry_at: None };

/// An outcome read in one call: the value, or the error.
trait Read<T> {
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
fn is(err: Error, want: Error, code: &str) {
    assert_eq!((err, err.code()), (want, code));
}

/// A 6-digit code that is not `code` (a wrong email / SMS code).
fn other(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

fn on(method: Method) -> Event {
    Event::MethodEnabled { method }
}

fn off(method: Method) -> Event {
    Event::MethodDisabled { method }
}

fn used(remaining: usize) -> Event {
    let running_low = remaining <= 3;
    Event::BackupCodeUsed {
        remaining,
        running_low,
    }
}

fn wait(until: u64) -> Error {
    Error::TooManyAttempts {
        retry_at: Some(until),
    }
}

fn codes(plain: &PlainBackupCodes) -> Vec<String> {
    plain.expose_secret().map(str::to_owned).collect()
}

fn by(method: Method) -> VerifiedWith {
    VerifiedWith::Method(method)
}

/// One user, the server's `Mfa`, a clock and the user's devices.
struct Fx {
    mfa: Mfa,
    rng: StdRng,
    now: u64,
    acct: Account,
    app: Option<Secret>,
    backup: Vec<String>,
}

impl Fx {
    fn new() -> Self {
        Self::with(MfaPolicy::default())
    }

    fn with(policy: MfaPolicy) -> Self {
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

    /// A user with these methods enabled, in this order.
    fn enabled(setups: &[MethodSetup<'_>]) -> Self {
        let mut fx = Fx::new();
        for &setup in setups {
            assert!(fx.enable(setup).result.is_ok());
        }
        fx
    }

    /// What the authenticator app shows at `now`.
    fn totp_at(&self, now: u64) -> String {
        let secret = self.app.as_ref().expect("an app is enrolled");
        let code = TotpConfig::default().generate(secret, now).unwrap();
        code.as_str().to_owned()
    }

    /// The user waits for the app's next code.
    fn next_totp(&mut self) -> String {
        self.now += 30;
        self.totp_at(self.now)
    }

    /// A well-formed code that matches no step of the window at `now`.
    fn wrong_totp(&self) -> String {
        let valid = [-30, 0, 30].map(|d| self.totp_at(self.now.saturating_add_signed(d)));
        let mut candidates = (0..10u32).map(|d| d.to_string().repeat(6));
        candidates.find(|c| !valid.contains(c)).unwrap()
    }

    /// The code a prompt asks for: the one it sends, or the app's next one.
    fn answer(&mut self, prompt: &mut Prompt) -> String {
        match prompt.take_delivery() {
            Some(d) => d.code().as_str().to_owned(),
            None => self.next_totp(),
        }
    }

    /// Enrols a method end to end (stepping up with the default method if needed).
    fn enable(&mut self, setup: MethodSetup<'_>) -> Outcome<SetupConfirmed> {
        self.now += 30;
        let started = self.setup(setup).val();
        let material = match started.next {
            SetupNext::Confirm(material) => material,
            SetupNext::StepUp(mut prompt) => {
                let code = self.answer(&mut prompt);
                self.step_up(&started.token, &code).val()
            }
        };
        let code = match material {
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
        out
    }

    fn login(&mut self) -> PendingChallenge<Login> {
        match self.begin_login().val() {
            LoginStart::Required(pending) => pending,
            LoginStart::NotRequired => panic!("MFA is on"),
        }
    }

    /// Switches a challenge to `m` and returns the code the user then types.
    fn code_via<P: TokenPurpose>(&mut self, token: &ChallengeToken<P>, m: Method) -> String {
        let mut prompt = self.switch(token, m).val();
        self.answer(&mut prompt)
    }

    // One method per operation, each returning its outcome.

    fn setup(&mut self, setup: MethodSetup<'_>) -> Outcome<SetupStarted> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.begin_setup(a, setup, r, n).in_memory()
    }
    fn step_up(&mut self, token: &SetupToken, code: &str) -> Outcome<SetupMaterial> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.verify_step_up(a, token, code, r, n).in_memory()
    }
    fn confirm(&mut self, token: &SetupToken, code: &str) -> Outcome<SetupConfirmed> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.confirm_setup(a, token, code, r, n).in_memory()
    }
    fn begin_login(&mut self) -> Outcome<LoginStart> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.begin_login(a, r, n).in_memory()
    }
    fn verify(&mut self, token: &LoginToken, code: &str) -> Outcome<VerifiedWith> {
        let out = self.mfa.verify_login(&mut self.acct, token, code, self.now);
        let Outcome { result, events } = out.in_memory();
        let result = result.map(|v| v.with);
        Outcome { result, events }
    }
    fn switch<P: TokenPurpose>(&mut self, token: &ChallengeToken<P>, m: Method) -> Outcome<Prompt> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.switch_method(a, token, m, r, n).in_memory()
    }
    fn resend<P: TokenPurpose>(&mut self, token: &ChallengeToken<P>) -> Outcome<Delivery> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.resend(a, token, r, n).in_memory()
    }
    fn set_default(&mut self, method: Method) -> Outcome<()> {
        let (a, n) = (&mut self.acct, self.now);
        self.mfa.set_default_method(a, method, n).in_memory()
    }
    fn begin_disable(&mut self, scope: DisableScope) -> Outcome<PendingChallenge<Disable>> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.begin_disable(a, scope, r, n).in_memory()
    }
    fn disable(&mut self, token: &DisableToken, code: &str) -> Outcome<Disabled> {
        let (a, n) = (&mut self.acct, self.now);
        self.mfa.verify_disable(a, token, code, n).in_memory()
    }
    fn begin_regen(&mut self) -> Outcome<PendingChallenge<Regenerate>> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        self.mfa.begin_regenerate(a, r, n).in_memory()
    }
}

// ---- setup (004 "Initiate / Verify MFA Setup", 003 "Confirm MFA enrollment") ----

#[test]
fn authenticator_setup_confirms_with_the_app_and_returns_backup_codes() {
    let mut fx = Fx::with(MfaPolicy::default().with_issuer("Example Co"));
    let started = fx.setup(APP).val();
    assert_eq!(started.expires_at, T0 + 600);
    let SetupNext::Confirm(SetupMaterial::Authenticator(app)) = started.next else {
        panic!("no method is enabled: no step-up");
    };
    let uri = app.uri().expose_secret();
    assert!(uri.starts_with("otpauth://totp/Example"), "{uri}");
    assert!(uri.contains(app.secret().to_base32().expose_secret()));
    assert!(!fx.acct.mfa_enabled(), "a pending setup enables nothing");

    fx.app = Some(app.secret().clone());
    fx.now += 20;
    let out = fx.confirm(&started.token, &fx.totp_at(fx.now));
    let issued = Event::BackupCodesIssued { count: 10 };
    assert_eq!(out.events, [on(Totp), issued]);
    let done = out.val();
    assert_eq!((done.method, done.enabled_at), (Totp, fx.now));
    assert_eq!(done.methods, [Totp]);
    assert_eq!(codes(&done.backup_codes.unwrap()).len(), 10);
    assert_eq!(fx.acct.default_method(), Some(Totp));
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
}

#[test]
fn email_and_sms_setup_send_codes_and_only_the_first_gets_backup_codes() {
    let mut fx = Fx::new();
    let address = " jane.doe@example.com ";
    let started = fx.setup(MethodSetup::Email { address }).val();
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = started.next else {
        panic!("email sends a code");
    };
    assert_eq!((mail.channel(), mail.destination()), (ByEmail, EMAIL));
    let out = fx.confirm(&started.token, mail.code().as_str());
    assert_eq!(out.events[1], Event::BackupCodesIssued { count: 10 });
    assert_eq!(out.val().backup_codes.unwrap().len(), 10);
    let masked = Some("j•••@example.com");

    // SMS as a second method: step up by email, then confirm the code sent to the phone.
    fx.now += 30;
    let started = fx.setup(TEXT).val();
    let SetupNext::StepUp(mut prompt) = started.next else {
        panic!("a method is enabled: step-up first");
    };
    assert_eq!((prompt.method(), prompt.hint()), (Email, masked));
    let code = fx.answer(&mut prompt);
    let SetupMaterial::Oob(text) = fx.step_up(&started.token, &code).val() else {
        panic!("sms sends a code");
    };
    assert_eq!((text.channel(), text.destination()), (BySms, PHONE));
    // A resend while confirming goes to the new number and replaces the code.
    fx.now += 60;
    let resent = fx.resend(&started.token).val();
    assert_eq!(resent.destination(), PHONE);
    let stale = fx.confirm(&started.token, text.code().as_str());
    assert_eq!(stale.fail(), Error::InvalidCode);
    let out = fx.confirm(&started.token, resent.code().as_str());
    assert_eq!(out.events, [on(Sms)]);
    let done = out.val();
    assert!(done.backup_codes.is_none());
    assert_eq!(done.methods, [Email, Sms]);
    assert_eq!(fx.acct.default_method(), Some(Email));

    // A user whose first method is SMS gets backup codes too.
    let first = Fx::new().enable(TEXT).val();
    assert_eq!(first.backup_codes.map(|c| c.len()), Some(10));
}

#[test]
fn adding_a_method_needs_a_step_up_with_a_method_or_a_backup_code() {
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 30;
    let started = fx.setup(MAIL).val();
    let token = &started.token;
    let SetupNext::StepUp(prompt) = &started.next else {
        panic!("step-up first");
    };
    assert_eq!((prompt.method(), prompt.methods()), (Totp, &[Totp][..]));
    assert!(prompt.delivery().is_none() && prompt.backup_codes_accepted());

    let early = fx.confirm(token, &fx.totp_at(fx.now)).fail();
    is(early, Error::StepUpRequired, "step_up_required");
    let wrong = fx.step_up(token, &fx.wrong_totp()).fail();
    assert_eq!((wrong, fx.acct.failures()), (Error::InvalidCode, 1));
    let code = fx.next_totp();
    let SetupMaterial::Oob(mail) = fx.step_up(token, &code).val() else {
        panic!("email sends a code");
    };
    assert_eq!((mail.destination(), fx.acct.failures()), (EMAIL, 0));
    let again = fx.step_up(token, &code).fail();
    is(again, Error::ChallengeConsumed, "mfa_token_consumed");
    // Only the new method's code confirms it: a backup code is not one.
    let backup = fx.backup[0].clone();
    let refused = fx.confirm(token, &backup).fail();
    assert!(matches!(refused, Error::MalformedCode(_)), "{refused:?}");
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    let done = fx.confirm(token, mail.code().as_str()).val();
    assert!(done.backup_codes.is_none());

    // The step-up takes a backup code instead of the app.
    fx.now += 30;
    let started = fx.setup(TEXT).val();
    let out = fx.step_up(&started.token, &backup);
    assert_eq!(out.events, [used(9)]);
    assert!(matches!(out.result, Ok(SetupMaterial::Oob(_))));
}

#[test]
fn setup_refuses_an_enabled_method_and_unusable_destinations() {
    let mut fx = Fx::enabled(&[APP]);
    let version = fx.acct.version();
    let method = Totp;
    let enabled = Error::MfaAlreadyEnabled { method };
    is(fx.setup(APP).fail(), enabled, "mfa_already_enabled");
    let long = format!("{}@example.com", "a".repeat(250));
    let emails = "|jane|@x.io|jane@|a@b@c|jane doe@x.io".split('|');
    for address in emails.chain([long.as_str()]) {
        let err = fx.setup(MethodSetup::Email { address }).fail();
        is(err, Error::InvalidDestination, "invalid_destination");
    }
    let phones = "|123|+1 415 555 0134 5678 9|415-CALL-NOW|++1415555";
    for number in phones.split('|') {
        let err = fx.setup(MethodSetup::Sms { number }).fail();
        assert_eq!(err, Error::InvalidDestination, "{number}");
    }
    assert_eq!(fx.acct.version(), version, "refusals change nothing");
}

#[test]
fn confirm_refuses_wrong_malformed_unknown_consumed_and_expired() {
    let mut fx = Fx::new();
    let started = fx.setup(MAIL).val();
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = started.next else {
        panic!("email sends a code");
    };
    let (token, code) = (&started.token, mail.code().as_str());
    let version = fx.acct.version();
    let bad = Error::MalformedCode(CodeFormatError::NotADigit);
    is(fx.confirm(token, "12a456").fail(), bad, "malformed_code");
    let (expected, found) = (6, 5);
    let short = CodeFormatError::WrongLength { expected, found };
    let err = fx.confirm(token, "12345").fail();
    assert_eq!(err, Error::MalformedCode(short));
    assert_eq!(fx.acct.version(), version, "not a guess: nothing changed");

    let err = fx.confirm(token, &other(code)).fail();
    is(err, Error::InvalidCode, "invalid_code");
    assert_eq!(fx.acct.version(), version + 1);
    assert_eq!(fx.acct.failures(), 1);

    let unknown = format!("setup_{}", "ab".repeat(16));
    let stranger = SetupToken::parse(&unknown).unwrap();
    let err = fx.confirm(&stranger, code).fail();
    is(err, Error::ChallengeInvalid, "mfa_token_invalid");
    assert!(fx.confirm(token, code).result.is_ok());
    let err = fx.confirm(token, code).fail();
    is(err, Error::ChallengeConsumed, "mfa_token_consumed");

    // An enrolment left past its lifetime.
    let mut fx = Fx::new();
    let started = fx.setup(APP).val();
    let SetupNext::Confirm(SetupMaterial::Authenticator(app)) = started.next else {
        panic!("authenticator setup shows a secret");
    };
    fx.app = Some(app.secret().clone());
    fx.now = started.expires_at;
    let version = fx.acct.version();
    let err = fx.confirm(&started.token, &fx.totp_at(fx.now)).fail();
    let expired = Error::ChallengeExpired {
        expired_at: T0 + 600,
    };
    is(err, expired, "mfa_token_expired");
    assert_eq!(fx.acct.version(), version + 1, "the challenge is dropped");
    assert_eq!(fx.acct.challenge_keys().count(), 0);
    assert!(!fx.acct.mfa_enabled());
}

#[test]
fn tokens_are_typed_by_purpose() {
    let mut fx = Fx::enabled(&[APP]);
    let login = fx.login();
    let text = login.token.to_text();
    let text = text.expose_secret();
    assert!(text.starts_with("login_"), "{text}");
    assert_eq!(text.len(), 6 + 32);
    let (expected, found) = (Purpose::Setup, Purpose::Login);
    let err = SetupToken::parse(text).unwrap_err();
    is(
        err,
        Error::WrongPurpose { expected, found },
        "mfa_wrong_purpose",
    );
    let err = DisableToken::parse(text).unwrap_err();
    assert!(matches!(err, Error::WrongPurpose { .. }));
    let hex31 = format!("login_{}", "0".repeat(31));
    for junk in ["", "login", "login_", "login_xyz", "fax_00", &hex31] {
        let err = LoginToken::parse(junk).unwrap_err();
        assert_eq!(err, Error::ChallengeInvalid, "{junk}");
    }
    let back = LoginToken::parse(&format!(" {text}\n")).unwrap();
    assert!(back == login.token);
    assert!(fx.acct.challenge_keys().any(|k| k == back.lookup_key()));
    let code = fx.next_totp();
    assert_eq!(fx.verify(&back, &code).val(), by(Totp));
}

// ---- login (004 "Verify MFA Login", "Switch MFA Login Method"; 000 pending MFA) ----

#[test]
fn login_is_not_required_without_an_enabled_method() {
    let mut fx = Fx::new();
    let _pending = fx.setup(APP).val();
    let version = fx.acct.version();
    let start = fx.begin_login().val();
    assert!(matches!(start, LoginStart::NotRequired));
    assert_eq!(fx.acct.version(), version, "nothing to store");
}

#[test]
fn totp_login_refuses_the_code_that_confirmed_setup() {
    let mut fx = Fx::enabled(&[APP]);
    let setup_code = fx.totp_at(fx.now);
    let login = fx.login();
    let prompt = &login.prompt;
    assert_eq!((prompt.method(), prompt.hint()), (Totp, None));
    assert_eq!(prompt.expires_at(), fx.now + 600);
    assert!(prompt.backup_codes_accepted());
    let out = fx.verify(&login.token, &setup_code);
    let reused = Event::CodeReused { method: Totp };
    assert_eq!(out.events, [reused]);
    let step = fx.now / 30;
    is(out.fail(), Error::CodeReused { step }, "code_reused");
    assert_eq!(fx.acct.failures(), 1);

    let code = fx.next_totp();
    assert_eq!(fx.verify(&login.token, &code).val(), by(Totp));
    assert_eq!(fx.acct.failures(), 0, "a success resets the count");
    let later = fx.totp_at(fx.now + 30);
    let done = fx.verify(&login.token, &later).fail();
    assert_eq!(done, Error::ChallengeConsumed);
    let again = fx.login();
    let replay = fx.verify(&again.token, &code).fail();
    assert!(matches!(replay, Error::CodeReused { .. }));
}

#[test]
fn login_by_email_through_a_switch_and_by_sms_as_default() {
    let mut fx = Fx::enabled(&[APP, MAIL, TEXT]);
    fx.now += 30;
    let login = fx.login();
    assert_eq!(login.prompt.methods(), [Totp, Email, Sms]);
    let mut prompt = fx.switch(&login.token, Email).val();
    let masked = Some("j•••@example.com");
    assert_eq!((prompt.method(), prompt.hint()), (Email, masked));
    assert_eq!(prompt.expires_at(), login.prompt.expires_at());
    let mail = prompt.take_delivery().unwrap();
    assert_eq!((mail.channel(), mail.destination()), (ByEmail, EMAIL));
    let same = fx.switch(&login.token, Email).val();
    assert!(
        same.delivery().is_none(),
        "the current method: nothing sent"
    );
    fx.now += 40;
    let out = fx.verify(&login.token, mail.code().as_str());
    assert_eq!(out.val(), by(Email));

    fx.set_default(Sms).val();
    assert_eq!(fx.acct.default_method(), Some(Sms));
    let mut login = fx.login();
    let prompt = &mut login.prompt;
    assert_eq!((prompt.method(), prompt.hint()), (Sms, Some("•••• 0134")));
    let text = prompt.take_delivery().unwrap();
    assert_eq!((text.channel(), text.destination()), (BySms, PHONE));
    let out = fx.verify(&login.token, text.code().as_str());
    assert_eq!(out.val(), by(Sms));
}

#[test]
fn backup_codes_sign_in_once_each_and_report_what_is_left() {
    let mut fx = Fx::enabled(&[APP]);
    let list = fx.backup.clone();
    for (i, code) in list.iter().enumerate().take(7) {
        let login = fx.login();
        let typed = code.to_lowercase().replace('-', " ");
        let out = fx.verify(&login.token, &typed);
        let remaining = 9 - i;
        assert_eq!(out.events, [used(remaining)]);
        assert_eq!(out.val(), VerifiedWith::BackupCode { remaining });
    }
    assert_eq!(fx.acct.backup_codes_remaining(), Some(3));
    let login = fx.login();
    let out = fx.verify(&login.token, &list[0]);
    assert_eq!(out.events, [Event::BackupCodeReused]);
    is(out.fail(), Error::BackupCodeUsed, "backup_code_used");
    assert_eq!(fx.acct.failures(), 1);
    assert_eq!(fx.acct.backup_codes_remaining(), Some(3));
}

#[test]
fn switching_to_a_method_that_is_not_enabled_is_refused() {
    let mut fx = Fx::enabled(&[MAIL]);
    let login = fx.login();
    let sms = Error::MethodNotEnabled { method: Sms };
    let err = fx.switch(&login.token, Sms).fail();
    is(err, sms, "mfa_method_not_enabled");
    let err = fx.switch(&login.token, Totp).fail();
    let none = Error::AuthenticatorNotConfigured;
    is(err, none, "authenticator_not_configured");
    assert_eq!(fx.set_default(Sms).fail(), sms);
    assert_eq!(fx.set_default(Totp).fail(), none);
    let err = Method::parse("fax").unwrap_err();
    is(err, Error::InvalidMethod, "invalid_mfa_method");
    assert_eq!(Method::parse(" SMS ").unwrap(), Sms);
    assert_eq!(Method::parse("Authenticator").unwrap(), Totp);

    // The factor of an enrolment being confirmed cannot be switched.
    let started = fx.setup(APP).val();
    let SetupNext::StepUp(mut prompt) = started.next else {
        panic!("step-up first");
    };
    let code = fx.answer(&mut prompt);
    assert!(fx.step_up(&started.token, &code).result.is_ok());
    let err = fx.switch(&started.token, Email).fail();
    assert_eq!(err, Error::InvalidMethod);
}

// ---- resend (004 "Resend MFA Email Code") and the hourly budget ----

#[test]
fn resend_only_for_email_and_sms_with_cooldown_and_limit() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    let login = fx.login();
    let err = fx.resend(&login.token).fail();
    is(err, Error::ResendOnlyForOob, "resend_only_for_oob");
    let mut code = fx.code_via(&login.token, Email);
    fx.now += 10;
    let version = fx.acct.version();
    let err = fx.resend(&login.token).fail();
    let cooldown = Error::ResendCooldown { retry_after: 50 };
    is(err, cooldown, "resend_cooldown");
    assert_eq!(fx.acct.version(), version);
    for _ in 0..3 {
        fx.now += 60;
        let sent = fx.resend(&login.token).val();
        assert_eq!((sent.channel(), sent.destination()), (ByEmail, EMAIL));
        code = sent.code().as_str().to_owned();
    }
    fx.now += 60;
    let err = fx.resend(&login.token).fail();
    is(err, Error::MaxResendLimit, "max_resend_limit");
    assert_eq!(fx.verify(&login.token, &code).val(), by(Email));
}

#[test]
fn an_expired_email_code_is_not_a_guess_and_a_resend_revives_it() {
    let oob = OobPolicy::default().with_lifetime(120).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_oob(oob));
    assert!(fx.enable(MAIL).result.is_ok());
    let mut login = fx.login();
    let sent = fx.answer(&mut login.prompt);
    let expired_at = fx.now + 120;
    fx.now += 150;
    let err = fx.verify(&login.token, &sent).fail();
    is(err, Error::CodeExpired { expired_at }, "code_expired");
    assert_eq!(fx.acct.failures(), 0);
    let fresh = fx.resend(&login.token).val();
    let out = fx.verify(&login.token, fresh.code().as_str());
    assert_eq!(out.val(), by(Email));
}

#[test]
fn too_many_codes_sent_in_an_hour() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    // Enrolling email sent the first code of the window; nine switches send the rest.
    let window_end = fx.now + 3600;
    let spent = Error::TooManyCodesSent {
        retry_at: window_end,
    };
    let login = fx.login();
    for i in 0..9 {
        fx.now += 1;
        let prompt = fx.switch(&login.token, Email).val();
        assert!(prompt.delivery().is_some());
        if i < 8 {
            assert!(fx.switch(&login.token, Totp).result.is_ok());
        }
    }
    fx.now += 60;
    is(fx.resend(&login.token).fail(), spent, "too_many_codes_sent");
    // The app still works; nothing that sends a code does.
    assert!(fx.switch(&login.token, Totp).result.is_ok());
    assert_eq!(fx.switch(&login.token, Email).fail(), spent);
    // A step-up that cannot send the new number its code keeps the user's code.
    let started = fx.setup(TEXT).val();
    let backup = fx.backup[0].clone();
    assert_eq!(fx.step_up(&started.token, &backup).fail(), spent);
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    fx.set_default(Email).val();
    assert_eq!(fx.begin_login().fail(), spent);
    assert_eq!(fx.setup(TEXT).fail(), spent);
    fx.now = window_end;
    assert!(fx.login().prompt.delivery().is_some());
}

// ---- throttling (004 "too many attempts") ----

#[test]
fn failures_count_across_switches_and_a_challenge_dies_after_its_attempts() {
    let lenient = ThrottlePolicy::new(20, 30, 900, 50, 3600).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_throttle(lenient));
    assert!(fx.enable(APP).result.is_ok());
    assert!(fx.enable(MAIL).result.is_ok());
    let login = fx.login();
    let guess = |fx: &mut Fx, code: &str| fx.verify(&login.token, code).fail();
    let wrong = |fx: &mut Fx| guess(fx, &fx.wrong_totp());
    assert_eq!([wrong(&mut fx), wrong(&mut fx)], [Error::InvalidCode; 2]);
    let mail = fx.code_via(&login.token, Email);
    assert_eq!(guess(&mut fx, &other(&mail)), Error::InvalidCode);
    assert_eq!(fx.acct.failures(), 3);
    let prompt = fx.switch(&login.token, Totp).val();
    assert!(prompt.delivery().is_none());
    assert_eq!([wrong(&mut fx), wrong(&mut fx)], [Error::InvalidCode; 2]);
    assert_eq!(fx.acct.failures(), 5, "switching reset nothing");
    let code = fx.next_totp();
    is(
        fx.verify(&login.token, &code).fail(),
        DEAD,
        "too_many_attempts",
    );
    assert_eq!(fx.acct.failures(), 5, "a dead challenge counts nothing");
    // A switch sends a fresh code, but buys no attempts.
    let mail = fx.code_via(&login.token, Email);
    assert_eq!(fx.verify(&login.token, &mail).fail(), DEAD);
    let again = fx.login();
    let code = fx.next_totp();
    assert!(fx.verify(&again.token, &code).result.is_ok());
    assert_eq!(fx.acct.failures(), 0);
}

#[test]
fn delays_grow_then_the_account_locks_and_a_success_resets_it() {
    let mut fx = Fx::enabled(&[APP]);
    let (start, mut waits, mut events) = (fx.now, vec![], vec![]);
    for n in 1..=10 {
        let login = fx.login();
        let out = fx.verify(&login.token, &fx.wrong_totp());
        events.extend(out.events);
        assert_eq!(out.result, Err(Error::InvalidCode));
        assert_eq!(fx.acct.failures(), n);
        let Some(at) = fx.acct.retry_at(fx.now) else {
            waits.push(0);
            continue;
        };
        waits.push(at - fx.now);
        // Until `at` no code is looked at, not even the right one; nothing changes.
        let version = fx.acct.version();
        let right = fx.totp_at(fx.now);
        assert_eq!(fx.verify(&login.token, &right).fail(), wait(at));
        assert_eq!(fx.acct.version(), version);
        if n < 10 {
            fx.now = at;
        }
    }
    // The policy table: 3 free failures, 30 s doubling to 900 s, an hour's lockout
    // at 10. (Its prose says "10 codes in about 7.5 minutes": it is 30.5.)
    assert_eq!(waits, [0, 0, 0, 30, 60, 120, 240, 480, 900, 3600]);
    assert_eq!(fx.now - start, 1830);
    let until = fx.now + 3600;
    assert_eq!(events, [Event::LockoutStarted { until }]);
    assert_eq!(fx.begin_login().fail(), wait(until));
    assert_eq!(fx.begin_regen().fail(), wait(until));
    assert_eq!(fx.begin_disable(Everything).fail(), wait(until));
    assert_eq!(fx.setup(MAIL).fail(), wait(until));

    // After the lockout the count stays: the next failure locks again at once.
    fx.now = until;
    let login = fx.login();
    let out = fx.verify(&login.token, &fx.wrong_totp());
    let until = fx.now + 3600;
    assert_eq!(out.events, [Event::LockoutStarted { until }]);
    assert_eq!(fx.acct.failures(), 11);
    fx.now = until;
    let login = fx.login();
    let right = fx.totp_at(fx.now);
    assert!(fx.verify(&login.token, &right).result.is_ok());
    assert_eq!(fx.acct.failures(), 0);
    assert_eq!(fx.acct.retry_at(fx.now), None);
}

// ---- disable (004 "Initiate / Verify MFA Disable") ----

#[test]
fn disabling_one_method_then_the_last_wipes_every_secret() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    let err = fx.begin_disable(DisableScope::Method(Sms)).fail();
    assert_eq!(err, Error::MethodNotEnabled { method: Sms });
    let pending = fx.begin_disable(DisableScope::Method(Email)).val();
    assert_eq!(pending.prompt.method(), Totp);
    let wrong = fx.wrong_totp();
    let err = fx.disable(&pending.token, &wrong).fail();
    assert_eq!(err, Error::InvalidCode);
    let code = fx.next_totp();
    let out = fx.disable(&pending.token, &code);
    assert_eq!(out.events, [off(Email)]);
    let done = out.val();
    assert_eq!((done.disabled, done.methods), (vec![Email], vec![Totp]));
    assert_eq!(done.with, by(Totp));
    assert_eq!((fx.acct.methods(), fx.acct.hint(Email)), (vec![Totp], None));
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));

    // The last one, answered with a backup code, while a login is pending.
    let login = fx.login();
    let pending = fx.begin_disable(DisableScope::Method(Totp)).val();
    let out = fx.disable(&pending.token, &fx.backup[0].clone());
    assert_eq!(out.events, [used(9), off(Totp), Event::MfaTurnedOff]);
    let done = out.val();
    assert!(done.methods.is_empty());
    assert_eq!(done.with, VerifiedWith::BackupCode { remaining: 9 });
    assert!(fx.acct.methods().is_empty() && !fx.acct.mfa_enabled());
    assert_eq!(fx.acct.backup_codes_remaining(), None);
    assert_eq!(fx.acct.challenge_keys().count(), 0);
    let code = fx.totp_at(fx.now);
    let err = fx.verify(&login.token, &code).fail();
    assert_eq!(err, Error::ChallengeInvalid, "the pending login was wiped");
    let start = fx.begin_login().val();
    assert!(matches!(start, LoginStart::NotRequired));
    let err = fx.begin_disable(Everything).fail();
    is(err, Error::MfaNotEnabled, "mfa_not_enabled");
    assert_eq!(fx.begin_regen().fail(), Error::MfaNotEnabled);
    // Enrolling again starts over: no step-up, new backup codes.
    assert!(fx.enable(APP).val().backup_codes.is_some());
}

#[test]
fn disabling_keeps_the_default_unless_it_goes_and_everything_turns_mfa_off() {
    // Email was enabled first, so it is the default; disabling SMS keeps it.
    let mut fx = Fx::enabled(&[MAIL, APP, TEXT]);
    assert_eq!(fx.acct.default_method(), Some(Email));
    let steps = [(Sms, vec![Totp, Email], Email), (Email, vec![Totp], Totp)];
    for (method, left, default) in steps {
        let mut pending = fx.begin_disable(DisableScope::Method(method)).val();
        let code = fx.answer(&mut pending.prompt);
        let done = fx.disable(&pending.token, &code).val();
        assert_eq!(done.methods, left);
        assert_eq!(fx.acct.default_method(), Some(default));
    }
    assert!(fx.enable(TEXT).result.is_ok());
    let mut pending = fx.begin_disable(Everything).val();
    let code = fx.answer(&mut pending.prompt);
    let out = fx.disable(&pending.token, &code);
    assert_eq!(out.events, [off(Totp), off(Sms), Event::MfaTurnedOff]);
    assert_eq!(out.val().disabled, [Totp, Sms]);
    assert!(fx.acct.methods().is_empty());
    assert!(fx.acct.backup_codes_remaining().is_none());
}

// ---- backup-code regeneration ----

#[test]
fn regenerating_backup_codes_retires_every_old_code() {
    let mut fx = Fx::enabled(&[APP]);
    let old = fx.backup.clone();
    let login = fx.login();
    assert!(fx.verify(&login.token, &old[0]).result.is_ok());
    let pending = fx.begin_regen().val();
    assert_eq!(pending.token.purpose(), Purpose::RegenerateBackupCodes);
    let code = fx.next_totp();
    let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
    let change = fx.mfa.verify_regenerate(a, &pending.token, &code, r, n);
    let out = change.in_memory();
    assert_eq!(out.events, [Event::BackupCodesRegenerated { count: 10 }]);
    let fresh = codes(&out.val());
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !old.contains(c)));
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    for code in [&old[0], &old[1]] {
        let login = fx.login();
        assert_eq!(fx.verify(&login.token, code).fail(), Error::InvalidCode);
    }
    let login = fx.login();
    let out = fx.verify(&login.token, &fresh[0]);
    assert_eq!(out.val(), VerifiedWith::BackupCode { remaining: 9 });
}

// ---- the persistence contract ----

#[test]
fn persist_saves_only_changes_with_the_loaded_version_and_withholds_on_error() {
    let mut fx = Fx::enabled(&[APP]);
    let login = fx.login();
    let loaded = fx.acct.version();
    let mut saved = Vec::new();
    let mut save = |record: &Account, expected: u64| {
        saved.push((record.version(), expected));
        Ok::<(), Infallible>(())
    };
    let (token, now) = (&login.token, fx.now);
    let change = fx.mfa.verify_login(&mut fx.acct, token, "12", now);
    assert!(!change.is_changed());
    assert_eq!(change.expected_version(), loaded);
    let out = change.persist(&mut save).unwrap();
    assert!(matches!(out.result, Err(Error::MalformedCode(_))));
    let wrong = fx.wrong_totp();
    let change = fx.mfa.verify_login(&mut fx.acct, token, &wrong, now);
    assert!(change.is_changed());
    let out = change.persist(&mut save).unwrap();
    assert_eq!(out.fail(), Error::InvalidCode);
    assert_eq!(saved, [(loaded + 1, loaded)]);

    let code = fx.next_totp();
    let change = fx.mfa.verify_login(&mut fx.acct, token, &code, fx.now);
    assert_eq!(change.expected_version(), loaded + 1);
    let refused = change.persist(|_, _| Err("version conflict"));
    assert_eq!(refused.unwrap_err(), "version conflict");
    assert_eq!(fx.acct.version(), loaded + 2);
}

#[test]
fn the_version_grows_by_one_with_every_change_and_only_then() {
    let mut fx = Fx::new();
    let mut history = vec![fx.acct.version()];
    let mut step = |fx: &Fx, changed: bool| {
        let last = *history.last().unwrap();
        let now = fx.acct.version();
        assert_eq!(now, last + u64::from(changed), "{history:?}");
        history.push(now);
    };
    let started = fx.setup(MAIL).val();
    step(&fx, true);
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = started.next else {
        panic!("email sends a code");
    };
    let (code, wrong) = (mail.code().as_str(), other(mail.code().as_str()));
    for (attempt, changed) in [("abc", false), (&wrong, true), (code, true)] {
        let _ = fx.confirm(&started.token, attempt);
        step(&fx, changed);
    }
    let mut login = fx.login();
    step(&fx, true);
    fx.set_default(Email).val();
    step(&fx, false);
    let sent = fx.answer(&mut login.prompt);
    for (attempt, changed) in [(sent.as_str(), true), ("000000", false)] {
        let _ = fx.verify(&login.token, attempt);
        step(&fx, changed);
    }
    fx.now += 600;
    let _ = fx.begin_disable(Everything).val();
    step(&fx, true);
}

// ---- redaction ----

#[test]
fn debug_output_never_shows_secrets_codes_or_full_destinations() {
    let mut fx = Fx::new();
    let started = fx.setup(APP).val();
    let started_dbg = format!("{started:?}");
    let SetupNext::Confirm(SetupMaterial::Authenticator(app)) = started.next else {
        panic!("authenticator setup shows a secret");
    };
    let secret = app.secret().to_base32().expose_secret().to_owned();
    let uri = app.uri().expose_secret().to_owned();
    fx.app = Some(app.secret().clone());
    let confirmed = fx.confirm(&started.token, &fx.totp_at(fx.now));
    let confirmed_dbg = format!("{confirmed:?}");
    let backup = codes(&confirmed.val().backup_codes.unwrap()).remove(0);
    assert!(fx.enable(MAIL).result.is_ok());
    assert!(fx.enable(TEXT).result.is_ok());
    let login = fx.login();
    let token = login.token.to_text().expose_secret().to_owned();
    let mut prompt = fx.switch(&login.token, Sms).val();
    let prompt_dbg = format!("{prompt:?}");
    let delivery = prompt.take_delivery().unwrap();
    let delivery_dbg = format!("{delivery:?}");
    let code = delivery.code().as_str();
    assert!(!delivery_dbg.contains(code), "{delivery_dbg}");
    let token_dbg = format!("{:?}", login.token);
    assert_eq!(token_dbg, "ChallengeToken<login>([redacted])");
    let account_dbg = format!("{:?}", fx.acct);
    assert!(account_dbg.contains("Authenticator"), "{account_dbg}");
    let login_dbg = format!("{login:?}");
    let all = [
        started_dbg,
        confirmed_dbg,
        login_dbg,
        prompt_dbg,
        delivery_dbg,
        account_dbg,
    ];
    let hidden = [&*secret, &token[6..], &uri, &backup, "jane.doe", "415 555"];
    for text in &all {
        for needle in hidden {
            assert!(!text.contains(needle), "{needle:?} in {text}");
        }
    }
    assert!(all[0].contains("[redacted]"));
    assert!(all[3].contains("[redacted]"));
}
