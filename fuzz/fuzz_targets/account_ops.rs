//! Structure-aware: arbitrary sequences of account operations (enrol, step up,
//! confirm, sign in, switch, resend, disable, regenerate, clock jumps of seconds
//! or days, waiting out every delay, reloads, the privileged unlock and reset, and
//! remembered devices: remembered at sign-in, presented at the next, forgotten one
//! or all), with the user's codes chosen by the fuzzer. The policy hard-locks at
//! [`MAX_FAILURES`] consecutive failures, past its lockout, so the fuzzer reaches
//! the hard lock. After every step it checks the invariants of the model-based
//! property test:
//! - no authenticator time step and no backup code is accepted twice;
//! - over any horizon, at most `max_failures` consecutive wrong codes are ever
//!   evaluated: the wrong answers to code-checking calls since the last success,
//!   unlock or reset never exceed it, and equal the account's failure count;
//! - while a delay or lockout runs, nothing is accepted, nothing is counted and no
//!   email / SMS code is handed out; during a lockout no challenge begins;
//! - while hard-locked, every call but unlock and reset accepts nothing, counts
//!   nothing, begins no challenge and hands out no email / SMS code, and the account
//!   stays hard-locked whatever the clock says;
//! - unlock clears the count and keeps every factor; after reset no method, backup
//!   code or challenge is left and the count is 0;
//! - once the last method is off, no secret, backup code or challenge is left;
//! - the version steps by one exactly when the stored JSON changes;
//! - a reloaded record equals the one in memory;
//! - a device skips the second factor exactly when it was remembered, has not
//!   expired, and has not been revoked since (by turning a method off, new backup
//!   codes, an unlock, a reset or forgetting), and the account is neither locked out
//!   nor hard-locked; a token never issued skips nothing; at most the policy's
//!   number of devices is kept, oldest evicted first, each for the policy's time.
#![no_main]

use std::collections::HashSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mfa_core::account::{
    Delivery, DeviceToken, DisableScope, DisableToken, Event, LockState, LoginStart, LoginToken,
    Method, MethodSetup, Outcome, Prompt, RegenerateToken, SetupMaterial, SetupNext, SetupToken,
    ThrottlePolicy, VerifiedWith,
};
use mfa_core::{
    Secret, ServerKey,
    account::{Account, Mfa, MfaPolicy},
    error::Error,
    otp::TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Failures before the lockout of the fuzzed policy.
const LOCKOUT_AFTER: u8 = 6;
/// Consecutive failures that hard-lock the account under the fuzzed policy.
const MAX_FAILURES: u8 = 12;
/// Seconds in a day.
const DAY: u64 = 86_400;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Pick {
    Authenticator,
    Email,
    Sms,
}

impl Pick {
    fn method(self) -> Method {
        match self {
            Pick::Authenticator => Method::Authenticator,
            Pick::Email => Method::Email,
            Pick::Sms => Method::Sms,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Code {
    /// The authenticator's code `offset` steps from now.
    Totp(i8),
    /// The last email / SMS code delivered.
    Delivered,
    /// One of the backup codes shown.
    Backup(u8),
    /// Six digits of the fuzzer's choosing.
    Digits(u32),
    /// Any text.
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum DeviceChoice {
    Live(u8),
    Dead(u8),
    Forged([u8; 32]),
}

#[derive(Arbitrary, Debug)]
enum Slot {
    Setup,
    Login,
    Disable,
    Regenerate,
}

#[derive(Arbitrary, Debug)]
enum Op {
    BeginSetup(Pick),
    StepUp(Code),
    Confirm(Code),
    BeginLogin,
    VerifyLogin(Code),
    Switch(Slot, Pick),
    Resend(Slot),
    BeginDisable(Option<Pick>),
    VerifyDisable(Code),
    BeginRegenerate,
    VerifyRegenerate(Code),
    /// Verifies the sign-in and asks to remember the device under this label.
    VerifyLoginRemembering(Code, String),
    /// Signs in from a device: one remembered and still live, one revoked or
    /// expired, or one never issued.
    BeginLoginOnDevice(DeviceChoice),
    /// Forgets the device at this position of the account's list, or, for `None`,
    /// a key that is none of them.
    ForgetDevice(Option<u8>),
    ForgetDevices,
    /// Seconds pass.
    Wait(u16),
    /// Days pass.
    Days(u8),
    /// The attacker waits out the delay or lockout running, if any.
    WaitOut,
    Reload,
    /// The support desk clears the failure count.
    Unlock,
    /// The support desk wipes every factor.
    Reset,
}

impl Op {
    /// The privileged recovery operations, which lift a lock by design.
    const fn recovers(&self) -> bool {
        matches!(self, Op::Unlock | Op::Reset)
    }
}

/// What one operation answered, as its caller saw it.
#[derive(Default)]
struct Reply {
    /// A code was accepted.
    accepted: bool,
    /// A code was looked at and counted as a wrong guess.
    wrong: bool,
    /// An email / SMS code was handed out to send.
    sent: bool,
    /// A remembered device stood in for the second factor.
    skipped: bool,
    /// The events of the call.
    events: Vec<Event>,
}

impl Reply {
    /// The reply of a call that checks a code.
    fn checked<T>(result: &Result<T, Error>, events: Vec<Event>) -> Reply {
        Reply {
            accepted: result.is_ok(),
            wrong: matches!(
                result,
                Err(Error::InvalidCode | Error::CodeReused { .. } | Error::BackupCodeUsed)
            ),
            sent: false,
            skipped: false,
            events,
        }
    }

    /// The reply of a call that checks no code.
    fn unchecked(events: Vec<Event>) -> Reply {
        Reply {
            events,
            ..Reply::default()
        }
    }
}

#[derive(Default)]
struct User {
    secret: Option<Secret>,
    delivered: String,
    backup: Vec<String>,
    setup: Option<SetupToken>,
    login: Option<LoginToken>,
    disable: Option<DisableToken>,
    regenerate: Option<RegenerateToken>,
    /// The device tokens that should skip the second factor, oldest first, with
    /// when each expires: what the library's list must mirror.
    live_devices: Vec<(String, u64)>,
    /// Tokens once issued and since revoked, evicted or expired.
    dead_devices: Vec<String>,
}

impl User {
    /// Every remembered device stops skipping the code.
    fn revoke_devices(&mut self) {
        let revoked = self.live_devices.drain(..).map(|(token, _)| token);
        self.dead_devices.extend(revoked);
    }

    /// Devices whose time is up at `now` stop skipping the code.
    fn expire_devices(&mut self, now: u64) {
        let (live, expired) = self
            .live_devices
            .drain(..)
            .partition(|(_, expires_at)| now < *expires_at);
        self.live_devices = live;
        self.dead_devices
            .extend(expired.into_iter().map(|(token, _)| token));
    }
}

struct Run {
    mfa: Mfa,
    rng: StdRng,
    now: u64,
    account: Account,
    user: User,
    accepted_steps: HashSet<(String, u64)>,
    accepted_backup: HashSet<String>,
    /// Wrong codes evaluated since the last success, unlock or reset.
    wrong_in_a_row: u32,
}

fn json(account: &Account) -> String {
    serde_json::to_string(account).expect("an account serialises")
}

/// The JSON without its version, to tell whether anything else changed.
fn content(json: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    value["version"] = serde_json::Value::Null;
    value
}

impl Run {
    fn new() -> Self {
        let throttle = ThrottlePolicy::new(2, 5, 40, LOCKOUT_AFTER, 900)
            .and_then(|t| t.with_max_failures(MAX_FAILURES))
            .expect("a valid policy");
        let policy = MfaPolicy::default().with_throttle(throttle);
        Run {
            mfa: Mfa::new(policy, ServerKey::new(1, &[0x42; 32]).expect("a valid key")),
            rng: StdRng::seed_from_u64(7),
            now: 1_767_225_600,
            account: Account::new(),
            user: User::default(),
            accepted_steps: HashSet::new(),
            accepted_backup: HashSet::new(),
            wrong_in_a_row: 0,
        }
    }

    /// The text the user types, and the authenticator step it belongs to, if any.
    fn code(&self, code: &Code) -> (String, Option<u64>) {
        let totp = TotpConfig::default();
        match code {
            Code::Totp(offset) => {
                let Some(secret) = &self.user.secret else {
                    return (String::from("000000"), None);
                };
                let step = totp.step_at(self.now).unwrap_or(0);
                let step = step.saturating_add_signed(i64::from(*offset));
                (
                    totp.generate_at_step(secret, step).as_str().to_owned(),
                    Some(step),
                )
            }
            Code::Delivered => (self.user.delivered.clone(), None),
            Code::Backup(i) => {
                let n = self.user.backup.len().max(1);
                (
                    self.user
                        .backup
                        .get(usize::from(*i) % n)
                        .cloned()
                        .unwrap_or_default(),
                    None,
                )
            }
            Code::Digits(d) => (format!("{:06}", d % 1_000_000), None),
            Code::Text(t) => (t.clone(), None),
        }
    }

    /// Checks what a verify call accepted against everything accepted before.
    fn accepted(&mut self, with: VerifiedWith, typed: &str, step: Option<u64>) {
        match with {
            VerifiedWith::BackupCode { .. } => {
                assert!(
                    self.accepted_backup.insert(typed.to_owned()),
                    "backup code accepted twice"
                );
            }
            VerifiedWith::Method(Method::Authenticator) => {
                if let (Some(step), Some(secret)) = (step, &self.user.secret) {
                    // Two steps of the window sharing a code (about 1 in 500,000)
                    // leave which one was accepted unknown: do not track it.
                    let totp = TotpConfig::default();
                    let current = totp.step_at(self.now).unwrap_or(0);
                    let same = (current.saturating_sub(1)..=current.saturating_add(1))
                        .filter(|s| totp.generate_at_step(secret, *s).as_str() == typed)
                        .count();
                    if same != 1 {
                        return;
                    }
                    let key = (secret.to_base32().expose_secret().to_owned(), step);
                    assert!(
                        self.accepted_steps.insert(key),
                        "TOTP step {step} accepted twice"
                    );
                }
            }
            VerifiedWith::Method(_) | _ => {}
        }
    }

    fn op(&mut self, op: &Op) {
        let before_json = json(&self.account);
        let state = self.mfa.lock_state(&self.account, self.now);
        let waiting = self.account.retry_at(self.now);
        match state {
            LockState::Delayed { until } | LockState::LockedOut { until } => assert_eq!(
                waiting,
                Some(until),
                "lock_state and retry_at disagree on the wait"
            ),
            _ => assert_eq!(waiting, None, "a wait runs while {state:?}"),
        }
        let failures = self.account.failures();
        let methods = self.account.methods();
        let backup_left = self.account.backup_codes_remaining();
        let keys: HashSet<String> = self.account.challenge_keys().collect();

        let reply = self.apply(op);

        // The budget of wrong codes, counted by the fuzzer and by the account.
        if reply.accepted || op.recovers() {
            self.wrong_in_a_row = 0;
        }
        if reply.wrong {
            self.wrong_in_a_row += 1;
        }
        let max_failures = u32::from(MAX_FAILURES);
        assert!(
            self.wrong_in_a_row <= max_failures,
            "{} wrong codes in a row were evaluated (most allowed {max_failures})",
            self.wrong_in_a_row
        );
        assert!(
            self.account.failures() <= max_failures,
            "{} failures counted (most allowed {max_failures})",
            self.account.failures()
        );
        assert_eq!(
            self.account.failures(),
            self.wrong_in_a_row,
            "the account's count differs from the wrong codes evaluated in a row"
        );
        if reply.wrong && self.account.failures() == max_failures {
            assert!(
                reply.events.contains(&Event::MfaLocked {
                    failures: max_failures
                }),
                "the hard lock came without its event"
            );
        }
        if self.account.failures() >= max_failures {
            assert_eq!(
                self.mfa.lock_state(&self.account, self.now),
                LockState::HardLocked,
                "the most failures were counted and the account is not hard-locked"
            );
        }

        let new_keys = self.account.challenge_keys().any(|k| !keys.contains(&k));
        if matches!(state, LockState::LockedOut { .. } | LockState::HardLocked) {
            assert!(!reply.skipped, "a device skipped the code while {state:?}");
        }
        if !op.recovers() {
            if waiting.is_some() {
                assert!(
                    !reply.accepted,
                    "a code was accepted during a delay or lockout"
                );
                assert!(!reply.wrong, "a guess was counted while waiting");
                assert_eq!(
                    self.account.failures(),
                    failures,
                    "a guess was counted while waiting"
                );
                assert!(
                    !reply.sent,
                    "an email / SMS code was handed out during a delay or lockout"
                );
            }
            if let LockState::LockedOut { .. } = state {
                assert!(!new_keys, "a challenge began during a lockout");
            }
            if state == LockState::HardLocked {
                assert!(!reply.accepted, "a code was accepted while hard-locked");
                assert!(!reply.wrong, "a guess was counted while hard-locked");
                assert_eq!(
                    self.account.failures(),
                    failures,
                    "the count moved while hard-locked"
                );
                assert!(
                    !reply.sent,
                    "an email / SMS code was handed out while hard-locked"
                );
                assert!(!new_keys, "a challenge began while hard-locked");
                assert_eq!(
                    self.mfa.lock_state(&self.account, self.now),
                    LockState::HardLocked,
                    "the hard lock lifted without a recovery"
                );
            }
        }
        match op {
            Op::Unlock => {
                assert_eq!(self.account.failures(), 0, "unlock left failures");
                assert_eq!(self.account.retry_at(self.now), None, "unlock left a wait");
                assert_eq!(
                    self.mfa.lock_state(&self.account, self.now),
                    LockState::Open,
                    "unlock left the account closed"
                );
                assert_eq!(
                    self.account.methods(),
                    methods,
                    "unlock changed the methods"
                );
                assert_eq!(
                    self.account.backup_codes_remaining(),
                    backup_left,
                    "unlock changed the backup codes"
                );
                let cleared = failures != 0 || waiting.is_some();
                assert_eq!(
                    reply.events.contains(&Event::Unlocked { failures }),
                    cleared,
                    "Unlocked event and what was cleared disagree"
                );
            }
            Op::Reset => {
                assert!(self.account.methods().is_empty(), "a method survived reset");
                assert!(!self.account.mfa_enabled(), "MFA survived reset");
                assert_eq!(
                    self.account.backup_codes_remaining(),
                    None,
                    "backup codes survived reset"
                );
                assert_eq!(
                    self.account.challenge_keys().count(),
                    0,
                    "a challenge survived reset"
                );
                assert_eq!(self.account.failures(), 0, "reset left failures");
                assert_eq!(
                    self.mfa.lock_state(&self.account, self.now),
                    LockState::Open,
                    "reset left the account closed"
                );
            }
            _ => {}
        }

        self.check_devices(op, &reply);

        let after_json = json(&self.account);
        let before_version = serde_json::from_str::<Account>(&before_json)
            .expect("a stored record loads")
            .version();
        if content(&before_json) == content(&after_json) {
            assert_eq!(
                self.account.version(),
                before_version,
                "version moved without a change"
            );
        } else {
            assert_eq!(
                self.account.version(),
                before_version + 1,
                "a change must step the version once"
            );
        }
        if !self.account.mfa_enabled() {
            assert!(self.account.methods().is_empty());
            assert_eq!(
                self.account.backup_codes_remaining(),
                None,
                "backup codes outlived MFA"
            );
            let keys = self.account.challenge_keys().count();
            let setups = usize::from(self.user.setup.is_some());
            assert!(keys <= setups, "only an enrolment may be live with MFA off");
        }
    }

    /// The account's device list mirrors the model's, after the model has
    /// applied what `op` revoked.
    fn check_devices(&mut self, op: &Op, reply: &Reply) {
        let revoked = match op {
            Op::VerifyDisable(_) | Op::VerifyRegenerate(_) => reply.accepted,
            Op::Unlock => reply
                .events
                .iter()
                .any(|e| matches!(e, Event::Unlocked { .. })),
            Op::Reset | Op::ForgetDevices => true,
            _ => false,
        };
        if revoked {
            self.user.revoke_devices();
        }
        let calls_library = !matches!(op, Op::Wait(_) | Op::Days(_) | Op::WaitOut | Op::Reload);
        if calls_library {
            self.user.expire_devices(self.now);
        }
        let listed = self.account.devices();
        let policy = self.mfa.policy();
        assert!(
            listed.len() <= usize::from(policy.max_devices()),
            "{} devices kept (most allowed {})",
            listed.len(),
            policy.max_devices()
        );
        if calls_library {
            let expiries: Vec<u64> = listed.iter().map(|d| d.expires_at).collect();
            let expected: Vec<u64> = self.user.live_devices.iter().map(|d| d.1).collect();
            assert_eq!(
                expiries, expected,
                "the device list differs from the model's"
            );
        }
        for device in &listed {
            assert_eq!(
                device.expires_at,
                device.created_at + policy.remember_for(),
                "a device kept for another time than the policy's"
            );
            assert!(device.label.chars().count() <= 64, "a label longer than 64");
            assert!(
                !device.label.chars().any(char::is_control),
                "a control character in a label"
            );
        }
    }

    /// Runs one operation; returns what it answered.
    fn apply(&mut self, op: &Op) -> Reply {
        let (mfa, rng, now) = (&self.mfa, &mut self.rng, self.now);
        let account = &mut self.account;
        match op {
            Op::BeginSetup(pick) => {
                let request = match pick {
                    Pick::Authenticator => MethodSetup::Authenticator {
                        account_name: "jane",
                    },
                    Pick::Email => MethodSetup::Email {
                        address: "jane@example.com",
                    },
                    Pick::Sms => MethodSetup::Sms {
                        number: "+1 415 555 0134",
                    },
                };
                let Outcome { result, events } =
                    mfa.begin_setup(account, request, rng, now).in_memory();
                let mut reply = Reply::unchecked(events);
                if let Ok(started) = result {
                    reply.sent = match started.next {
                        SetupNext::Confirm(material) => self.user.material(material),
                        SetupNext::StepUp(prompt) => self.user.prompted(&prompt),
                    };
                    self.user.setup = Some(started.token);
                }
                reply
            }
            Op::StepUp(code) | Op::Confirm(code) => {
                let Some(token) = self.user.setup.clone() else {
                    return Reply::default();
                };
                let (typed, step) = self.code(code);
                let (mfa, rng, now, account) =
                    (&self.mfa, &mut self.rng, self.now, &mut self.account);
                if matches!(op, Op::StepUp(_)) {
                    let Outcome { result, events } = mfa
                        .verify_step_up(account, &token, &typed, rng, now)
                        .in_memory();
                    let mut reply = Reply::checked(&result, events);
                    if let Ok(material) = result {
                        reply.sent = self.user.material(material);
                    }
                    return reply;
                }
                let Outcome { result, events } = mfa
                    .confirm_setup(account, &token, &typed, rng, now)
                    .in_memory();
                let reply = Reply::checked(&result, events);
                let Ok(confirmed) = result else {
                    return reply;
                };
                if confirmed.method == Method::Authenticator {
                    // The enrolment's code is spent on the new secret.
                    self.accepted(VerifiedWith::Method(Method::Authenticator), &typed, step);
                }
                if let Some(codes) = confirmed.backup_codes {
                    self.user.backup = codes.expose_secret().map(String::from).collect();
                }
                reply
            }
            Op::BeginLogin => {
                let Outcome { result, events } = mfa.begin_login(account, rng, now).in_memory();
                let mut reply = Reply::unchecked(events);
                if let Ok(LoginStart::Required(login)) = result {
                    reply.sent = self.user.prompted(&login.prompt);
                    self.user.login = Some(login.token);
                }
                reply
            }
            Op::VerifyLogin(code) => {
                let Some(token) = self.user.login.clone() else {
                    return Reply::default();
                };
                let (typed, step) = self.code(code);
                let Outcome { result, events } = self
                    .mfa
                    .verify_login(&mut self.account, &token, &typed, self.now)
                    .in_memory();
                let reply = Reply::checked(&result, events);
                if let Ok(verified) = result {
                    self.accepted(verified.with, &typed, step);
                }
                reply
            }
            Op::Switch(slot, pick) => {
                let outcome = match slot {
                    Slot::Setup => self
                        .user
                        .setup
                        .clone()
                        .map(|t| mfa.switch_method(account, &t, pick.method(), rng, now)),
                    Slot::Login => self
                        .user
                        .login
                        .clone()
                        .map(|t| mfa.switch_method(account, &t, pick.method(), rng, now)),
                    Slot::Disable => self
                        .user
                        .disable
                        .clone()
                        .map(|t| mfa.switch_method(account, &t, pick.method(), rng, now)),
                    Slot::Regenerate => self
                        .user
                        .regenerate
                        .clone()
                        .map(|t| mfa.switch_method(account, &t, pick.method(), rng, now)),
                }
                .map(|c| c.in_memory());
                let Some(Outcome { result, events }) = outcome else {
                    return Reply::default();
                };
                let mut reply = Reply::unchecked(events);
                if let Ok(prompt) = result {
                    reply.sent = self.user.prompted(&prompt);
                }
                reply
            }
            Op::Resend(slot) => {
                let outcome = match slot {
                    Slot::Setup => self
                        .user
                        .setup
                        .clone()
                        .map(|t| mfa.resend(account, &t, rng, now)),
                    Slot::Login => self
                        .user
                        .login
                        .clone()
                        .map(|t| mfa.resend(account, &t, rng, now)),
                    Slot::Disable => self
                        .user
                        .disable
                        .clone()
                        .map(|t| mfa.resend(account, &t, rng, now)),
                    Slot::Regenerate => self
                        .user
                        .regenerate
                        .clone()
                        .map(|t| mfa.resend(account, &t, rng, now)),
                }
                .map(|c| c.in_memory());
                let Some(Outcome { result, events }) = outcome else {
                    return Reply::default();
                };
                let mut reply = Reply::unchecked(events);
                if let Ok(d) = result {
                    reply.sent = self.user.heard(Some(&d));
                }
                reply
            }
            Op::BeginDisable(pick) => {
                let scope = pick.map_or(DisableScope::Everything, |p| {
                    DisableScope::Method(p.method())
                });
                let Outcome { result, events } =
                    mfa.begin_disable(account, scope, rng, now).in_memory();
                let mut reply = Reply::unchecked(events);
                if let Ok(pending) = result {
                    reply.sent = self.user.prompted(&pending.prompt);
                    self.user.disable = Some(pending.token);
                }
                reply
            }
            Op::VerifyDisable(code) => {
                let Some(token) = self.user.disable.clone() else {
                    return Reply::default();
                };
                let (typed, step) = self.code(code);
                let Outcome { result, events } = self
                    .mfa
                    .verify_disable(&mut self.account, &token, &typed, self.now)
                    .in_memory();
                let reply = Reply::checked(&result, events);
                let Ok(done) = result else {
                    return reply;
                };
                self.accepted(done.with, &typed, step);
                if done.disabled.contains(&Method::Authenticator) {
                    self.user.secret = None;
                }
                reply
            }
            Op::BeginRegenerate => {
                let Outcome { result, events } =
                    mfa.begin_regenerate(account, rng, now).in_memory();
                let mut reply = Reply::unchecked(events);
                if let Ok(pending) = result {
                    reply.sent = self.user.prompted(&pending.prompt);
                    self.user.regenerate = Some(pending.token);
                }
                reply
            }
            Op::VerifyRegenerate(code) => {
                let Some(token) = self.user.regenerate.clone() else {
                    return Reply::default();
                };
                let (typed, _) = self.code(code);
                let (mfa, rng, now) = (&self.mfa, &mut self.rng, self.now);
                let Outcome { result, events } = mfa
                    .verify_regenerate(&mut self.account, &token, &typed, rng, now)
                    .in_memory();
                let reply = Reply::checked(&result, events);
                if let Ok(codes) = result {
                    // Which code proved it is not reported; the old set is retired
                    // anyway.
                    self.user.backup = codes.expose_secret().map(String::from).collect();
                }
                reply
            }
            Op::VerifyLoginRemembering(code, label) => {
                let Some(token) = self.user.login.clone() else {
                    return Reply::default();
                };
                let (typed, step) = self.code(code);
                let (mfa, rng, now) = (&self.mfa, &mut self.rng, self.now);
                let Outcome { result, events } = mfa
                    .verify_login_remembering(&mut self.account, &token, &typed, label, rng, now)
                    .in_memory();
                let reply = Reply::checked(&result, events);
                if let Ok(remembered) = result {
                    self.accepted(remembered.with, &typed, step);
                    // The model of the library's list: the expired go, then the
                    // oldest until there is room for one more.
                    self.user.expire_devices(self.now);
                    let keep = usize::from(self.mfa.policy().max_devices()) - 1;
                    while self.user.live_devices.len() > keep {
                        let (evicted, _) = self.user.live_devices.remove(0);
                        self.user.dead_devices.push(evicted);
                    }
                    let text = remembered.device.to_text().expose_secret().to_owned();
                    let expires_at = self.now + self.mfa.policy().remember_for();
                    self.user.live_devices.push((text, expires_at));
                }
                reply
            }
            Op::BeginLoginOnDevice(choice) => {
                let pick = |list: &[String], i: u8| -> Option<String> {
                    let n = list.len();
                    (n > 0).then(|| list[usize::from(i) % n].clone())
                };
                let live: Vec<String> =
                    self.user.live_devices.iter().map(|d| d.0.clone()).collect();
                let text = match choice {
                    DeviceChoice::Live(i) => pick(&live, *i),
                    DeviceChoice::Dead(i) => pick(&self.user.dead_devices, *i),
                    DeviceChoice::Forged(bytes) => Some(format!(
                        "device_{}",
                        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
                    )),
                };
                let Some(text) = text else {
                    return Reply::default();
                };
                let device = DeviceToken::parse(&text).expect("a token the library issued parses");
                let is_live = self
                    .user
                    .live_devices
                    .iter()
                    .any(|(t, expires_at)| *t == text && now < *expires_at);
                let state = mfa.lock_state(account, now);
                let may_skip = is_live
                    && account.mfa_enabled()
                    && !matches!(state, LockState::LockedOut { .. } | LockState::HardLocked);
                let enabled = account.mfa_enabled();
                let Outcome { result, events } = mfa
                    .begin_login_remembered(account, &device, rng, now)
                    .in_memory();
                let recognized = events.contains(&Event::DeviceRecognized);
                assert_eq!(
                    recognized,
                    may_skip,
                    "a device was {} (live: {is_live}, {state:?})",
                    if recognized {
                        "recognized and should not be"
                    } else {
                        "not recognized"
                    }
                );
                let mut reply = Reply::unchecked(events);
                match result {
                    Ok(LoginStart::NotRequired) => {
                        assert!(
                            recognized || !enabled,
                            "the second factor was skipped for a device not recognized"
                        );
                        reply.skipped = enabled;
                    }
                    Ok(LoginStart::Required(login)) => {
                        reply.sent = self.user.prompted(&login.prompt);
                        self.user.login = Some(login.token);
                    }
                    Err(_) => {}
                }
                reply
            }
            Op::ForgetDevice(position) => {
                let listed = account.devices();
                let key = position.and_then(|i| {
                    let n = listed.len();
                    (n > 0).then(|| (usize::from(i) % n, listed[usize::from(i) % n].key.clone()))
                });
                let Outcome { result, events } = match &key {
                    Some((_, key)) => mfa.forget_device(account, key, now),
                    None => mfa.forget_device(account, "not a device", now),
                }
                .in_memory();
                assert_eq!(
                    result,
                    Ok(key.is_some()),
                    "forget_device answered otherwise"
                );
                if let Some((index, key)) = key {
                    assert!(
                        account.devices().iter().all(|d| d.key != key),
                        "a forgotten device is still listed"
                    );
                    let (forgotten, _) = self.user.live_devices.remove(index);
                    self.user.dead_devices.push(forgotten);
                }
                Reply::unchecked(events)
            }
            Op::ForgetDevices => {
                let count = account.devices().len();
                let Outcome { result, events } = mfa.forget_devices(account, now).in_memory();
                assert_eq!(result, Ok(count), "forget_devices counted otherwise");
                assert!(
                    account.devices().is_empty(),
                    "a device survived forgetting all"
                );
                Reply::unchecked(events)
            }
            Op::Wait(seconds) => {
                self.now += u64::from(*seconds);
                Reply::default()
            }
            Op::Days(days) => {
                self.now += u64::from(*days) * DAY;
                Reply::default()
            }
            Op::WaitOut => {
                if let Some(at) = account.retry_at(now) {
                    assert!(at > now, "a wait that ended is reported");
                    self.now = at;
                }
                Reply::default()
            }
            Op::Reload => {
                let reloaded: Account =
                    serde_json::from_str(&json(account)).expect("a stored record loads");
                assert_eq!(&reloaded, account, "a reloaded record differs");
                *account = reloaded;
                Reply::default()
            }
            Op::Unlock => {
                let failures = account.failures();
                let Outcome { result, events } = mfa.unlock(account, now).in_memory();
                assert_eq!(result, Ok(failures), "unlock reports another count");
                Reply::unchecked(events)
            }
            Op::Reset => {
                let methods = account.methods();
                let Outcome { result, events } = mfa.reset_factors(account, now).in_memory();
                assert_eq!(result, Ok(methods), "reset reports other methods");
                // The authenticator's secret is gone; the printed backup codes are
                // dead (typing them is a wrong guess).
                self.user.secret = None;
                Reply::unchecked(events)
            }
        }
    }
}

impl User {
    /// Reads the code out of a delivery, as the user reads the email or SMS;
    /// returns whether there was one.
    fn heard(&mut self, delivery: Option<&Delivery>) -> bool {
        if let Some(d) = delivery {
            self.delivered = d.code().as_str().to_owned();
        }
        delivery.is_some()
    }

    /// Reads a prompt; returns whether it came with an email / SMS code.
    fn prompted(&mut self, prompt: &Prompt) -> bool {
        assert!(
            prompt.delivery().is_none() || prompt.withheld().is_none(),
            "a prompt both delivers and withholds its code"
        );
        self.heard(prompt.delivery())
    }

    /// Reads the enrolment material; returns whether it was an email / SMS code.
    fn material(&mut self, material: SetupMaterial) -> bool {
        match material {
            SetupMaterial::Authenticator(e) => {
                self.secret = Some(e.secret().clone());
                false
            }
            SetupMaterial::Oob(d) => self.heard(Some(&d)),
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut run = Run::new();
    for op in ops.iter().take(200) {
        run.op(op);
    }
});
