//! Calls against the library, shared by the record and its reloaded twin.

use std::convert::Infallible;

use mfa_core::account::{
    Delivery, DeviceToken, Disable, DisableScope, DisableToken, Disabled, LoginStart, LoginToken,
    LoginVerified, Method, Mfa, PendingChallenge, Prompt, Regenerate, RegenerateToken,
    RememberedLogin, SetupConfirmed, SetupMaterial, SetupNext, SetupStarted, SetupToken,
    VerifiedWith,
};
use mfa_core::{
    account::{Account, Event},
    backup::PlainBackupCodes,
    error::Error,
};
use rand::rngs::StdRng;

use crate::ops::Slot;
use crate::support::setup_request;

#[derive(Clone, Debug)]
pub(crate) enum AnyToken {
    Setup(SetupToken),
    Login(LoginToken),
    Disable(DisableToken),
    Regenerate(RegenerateToken),
}

impl AnyToken {
    pub(crate) fn slot(&self) -> Slot {
        match self {
            AnyToken::Setup(_) => Slot::Setup,
            AnyToken::Login(_) => Slot::Login,
            AnyToken::Disable(_) => Slot::Disable,
            AnyToken::Regenerate(_) => Slot::Regenerate,
        }
    }

    pub(crate) fn key(&self) -> String {
        match self {
            AnyToken::Setup(t) => t.lookup_key(),
            AnyToken::Login(t) => t.lookup_key(),
            AnyToken::Disable(t) => t.lookup_key(),
            AnyToken::Regenerate(t) => t.lookup_key(),
        }
    }

    pub(crate) fn text(&self) -> String {
        let text = match self {
            AnyToken::Setup(t) => t.to_text(),
            AnyToken::Login(t) => t.to_text(),
            AnyToken::Disable(t) => t.to_text(),
            AnyToken::Regenerate(t) => t.to_text(),
        };
        text.expose_secret().to_owned()
    }

    /// `text` read as a token of `slot`'s purpose.
    pub(crate) fn parse(slot: Slot, text: &str) -> Result<AnyToken, Error> {
        Ok(match slot {
            Slot::Setup => AnyToken::Setup(SetupToken::parse(text)?),
            Slot::Login => AnyToken::Login(LoginToken::parse(text)?),
            Slot::Disable => AnyToken::Disable(DisableToken::parse(text)?),
            Slot::Regenerate => AnyToken::Regenerate(RegenerateToken::parse(text)?),
        })
    }
}

#[derive(Debug)]
pub(crate) enum Call {
    BeginSetup(Method),
    StepUp(SetupToken, String),
    Confirm(SetupToken, String),
    BeginLogin,
    VerifyLogin(LoginToken, String),
    Switch(AnyToken, Method),
    Resend(AnyToken),
    BeginDisable(DisableScope),
    VerifyDisable(DisableToken, String),
    BeginRegenerate,
    VerifyRegenerate(RegenerateToken, String),
    VerifyLoginRemembering(LoginToken, String),
    /// A sign-in from a device, its token as the cookie held it.
    BeginLoginOn(String),
    ForgetDevices,
    /// The support desk's unlock.
    Unlock,
    /// The support desk's reset of every factor.
    Reset,
}

impl Call {
    /// The verify call of `token`'s purpose.
    pub(crate) fn verify(token: AnyToken, code: String) -> Call {
        match token {
            AnyToken::Setup(t) => Call::Confirm(t, code),
            AnyToken::Login(t) => Call::VerifyLogin(t, code),
            AnyToken::Disable(t) => Call::VerifyDisable(t, code),
            AnyToken::Regenerate(t) => Call::VerifyRegenerate(t, code),
        }
    }

    /// Whether the call checks a code.
    pub(crate) const fn checks_code(&self) -> bool {
        matches!(
            self,
            Call::StepUp(..)
                | Call::Confirm(..)
                | Call::VerifyLogin(..)
                | Call::VerifyLoginRemembering(..)
                | Call::VerifyDisable(..)
                | Call::VerifyRegenerate(..)
        )
    }
}

#[derive(Debug)]
pub(crate) enum Reply {
    Started(SetupStarted),
    Material(SetupMaterial),
    Confirmed(SetupConfirmed),
    Login(LoginStart),
    Verified(LoginVerified),
    Prompt(Prompt),
    Delivery(Delivery),
    DisablePending(PendingChallenge<Disable>),
    RegeneratePending(PendingChallenge<Regenerate>),
    Disabled(Disabled),
    Codes(PlainBackupCodes),
    Unlocked(u32),
    Reset(Vec<Method>),
    /// A sign-in that remembered the device: how, and the device token's text.
    Remembered(VerifiedWith, String),
    Forgotten(usize),
}

pub(crate) struct Applied {
    pub(crate) result: Result<Reply, Error>,
    pub(crate) events: Vec<Event>,
    /// `Change::is_changed` and `Change::expected_version`.
    pub(crate) changed: bool,
    pub(crate) expected: u64,
    /// What the `persist` closure was called with: (expected version, stored version).
    pub(crate) saves: Vec<(u64, u64)>,
}

pub(crate) fn apply(
    mfa: &Mfa,
    account: &mut Account,
    call: &Call,
    rng: &mut StdRng,
    now: u64,
    persist: bool,
) -> Applied {
    let mut saves = Vec::new();
    macro_rules! run {
        ($change:expr, $wrap:expr) => {{
            let change = $change;
            let changed = change.is_changed();
            let expected = change.expected_version();
            let outcome = if persist {
                change
                    .persist(|record, expected| {
                        saves.push((expected, record.version()));
                        Ok::<(), Infallible>(())
                    })
                    .unwrap()
            } else {
                change.in_memory()
            };
            Applied {
                result: outcome.result.map($wrap),
                events: outcome.events,
                changed,
                expected,
                saves,
            }
        }};
    }
    match call {
        Call::BeginSetup(m) => run!(
            mfa.begin_setup(account, setup_request(*m), rng, now),
            Reply::Started
        ),
        Call::StepUp(t, code) => run!(
            mfa.verify_step_up(account, t, code, rng, now),
            Reply::Material
        ),
        Call::Confirm(t, code) => run!(
            mfa.confirm_setup(account, t, code, rng, now),
            Reply::Confirmed
        ),
        Call::BeginLogin => run!(mfa.begin_login(account, rng, now), Reply::Login),
        Call::VerifyLogin(t, code) => {
            run!(mfa.verify_login(account, t, code, now), Reply::Verified)
        }
        Call::Switch(token, m) => match token {
            AnyToken::Setup(t) => run!(mfa.switch_method(account, t, *m, rng, now), Reply::Prompt),
            AnyToken::Login(t) => run!(mfa.switch_method(account, t, *m, rng, now), Reply::Prompt),
            AnyToken::Disable(t) => {
                run!(mfa.switch_method(account, t, *m, rng, now), Reply::Prompt)
            }
            AnyToken::Regenerate(t) => {
                run!(mfa.switch_method(account, t, *m, rng, now), Reply::Prompt)
            }
        },
        Call::Resend(token) => match token {
            AnyToken::Setup(t) => run!(mfa.resend(account, t, rng, now), Reply::Delivery),
            AnyToken::Login(t) => run!(mfa.resend(account, t, rng, now), Reply::Delivery),
            AnyToken::Disable(t) => run!(mfa.resend(account, t, rng, now), Reply::Delivery),
            AnyToken::Regenerate(t) => {
                run!(mfa.resend(account, t, rng, now), Reply::Delivery)
            }
        },
        Call::BeginDisable(scope) => run!(
            mfa.begin_disable(account, *scope, rng, now),
            Reply::DisablePending
        ),
        Call::VerifyDisable(t, code) => {
            run!(mfa.verify_disable(account, t, code, now), Reply::Disabled)
        }
        Call::BeginRegenerate => run!(
            mfa.begin_regenerate(account, rng, now),
            Reply::RegeneratePending
        ),
        Call::VerifyRegenerate(t, code) => run!(
            mfa.verify_regenerate(account, t, code, rng, now),
            Reply::Codes
        ),
        Call::VerifyLoginRemembering(t, code) => run!(
            mfa.verify_login_remembering(account, t, code, "model", rng, now),
            |r: RememberedLogin| Reply::Remembered(
                r.with,
                r.device.to_text().expose_secret().to_owned()
            )
        ),
        Call::BeginLoginOn(text) => {
            let device = DeviceToken::parse(text).unwrap();
            run!(
                mfa.begin_login_remembered(account, &device, rng, now),
                Reply::Login
            )
        }
        Call::ForgetDevices => run!(mfa.forget_devices(account, now), Reply::Forgotten),
        Call::Unlock => run!(mfa.unlock(account, now), Reply::Unlocked),
        Call::Reset => run!(mfa.reset_factors(account, now), Reply::Reset),
    }
}

fn with_tag(with: VerifiedWith) -> String {
    match with {
        VerifiedWith::Method(m) => format!("with:{m}"),
        VerifiedWith::BackupCode { remaining } => format!("with:backup:{remaining}"),
        _ => "with:?".to_owned(),
    }
}

fn material_tag(material: &SetupMaterial) -> String {
    match material {
        SetupMaterial::Authenticator(_) => "authenticator".to_owned(),
        SetupMaterial::Oob(d) => d.channel().to_string(),
    }
}

/// What a reply says, in the words the model predicts it in.
fn tag(reply: &Reply) -> String {
    match reply {
        Reply::Started(s) => match &s.next {
            SetupNext::Confirm(m) => format!("confirm:{}", material_tag(m)),
            SetupNext::StepUp(p) => format!("step_up:{}{}", p.method(), withheld(p)),
        },
        Reply::Material(m) => format!("material:{}", material_tag(m)),
        Reply::Confirmed(c) => format!(
            "enabled:{}:{:?}:{}",
            c.method,
            c.methods,
            c.backup_codes.as_ref().map_or(0, PlainBackupCodes::len)
        ),
        Reply::Login(LoginStart::NotRequired) => "not_required".to_owned(),
        Reply::Login(LoginStart::Required(p)) => {
            format!("login:{}{}", p.prompt.method(), withheld(&p.prompt))
        }
        Reply::Verified(v) => with_tag(v.with),
        Reply::Prompt(p) => format!("prompt:{}:{}", p.method(), p.delivery().is_some()),
        Reply::Delivery(d) => format!("delivery:{}", d.channel()),
        Reply::DisablePending(p) => format!("pending:{}{}", p.prompt.method(), withheld(&p.prompt)),
        Reply::RegeneratePending(p) => {
            format!("pending:{}{}", p.prompt.method(), withheld(&p.prompt))
        }
        Reply::Disabled(d) => format!(
            "disabled:{:?}:{:?}:{}",
            d.disabled,
            d.methods,
            with_tag(d.with)
        ),
        Reply::Codes(c) => format!("codes:{}", c.len()),
        Reply::Unlocked(failures) => format!("unlocked:{failures}"),
        Reply::Remembered(with, _) => format!("{}:remembered", with_tag(*with)),
        Reply::Forgotten(count) => format!("forgotten:{count}"),
        Reply::Reset(removed) => format!("reset:{removed:?}"),
    }
}

/// Why a prompt's code was withheld, if it was; a withheld code is never also
/// delivered.
fn withheld(prompt: &Prompt) -> String {
    match prompt.withheld() {
        None => String::new(),
        Some(w) => {
            assert!(prompt.delivery().is_none(), "a withheld code was delivered");
            format!(":withheld:{}@{}", w.code(), w.retry_at())
        }
    }
}

pub(crate) fn summary(result: &Result<Reply, Error>) -> Result<String, Error> {
    result.as_ref().map(tag).map_err(|e| *e)
}

/// Equal, except that malformed-code errors are compared by code only.
pub(crate) fn same(expected: &Result<String, Error>, actual: &Result<String, Error>) -> bool {
    match (expected, actual) {
        (Ok(a), Ok(b)) => a == b,
        (Err(a), Err(b)) => {
            a == b
                || (a.code() == b.code()
                    && matches!(a, Error::MalformedCode(_) | Error::MalformedBackupCode(_)))
        }
        _ => false,
    }
}

pub(crate) fn json(account: &Account) -> String {
    serde_json::to_string(account).unwrap()
}

/// The stored record without its version.
pub(crate) fn content(json: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    value.as_object_mut().unwrap().remove("version");
    value
}

pub(crate) fn reload(account: &Account) -> Account {
    let text = json(account);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a record the library wrote must load again: {e}\n{text}"))
}
