//! A record's live challenges as stored:
//!
//! ```json
//! {"id":"<32 hex: the token's hash>",
//!  "task":"login" | {"setup":{"pending":…,"confirming":false}} | {"disable":"everything"}
//!        | {"disable":{"method":"sms"}} | "regenerate" | {"expired":"setup"},
//!  "factor":"authenticator" | {"oob":{…}} | {"unsent":"email"},
//!  "expires_at":…,"attempts_left":5,"consumed":true}
//! ```
//!
//! with `consumed` left out while false, and a pending method as
//! `{"authenticator":{"secret":…,"config":…,"account_name":…}}` (`config` left out
//! when standard, as in an enabled method), `{"email":…}` or `{"sms":…}`. These
//! types are the schema: the internal ones convert to and from them here and
//! nowhere else, so changing the internal ones cannot change what is stored.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::account::challenge::{Challenge, DisableScope, Factor, PendingMethod, Task};
use crate::account::token::TokenId;
use crate::account::vault::Vault;
use crate::method::{OobChannel, Purpose};
use crate::oob::OobChallenge;
use crate::otp::TotpConfig;
use crate::secret::Secret;

/// One challenge: borrowed from the record when written, owned when read.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeV1<'a> {
    #[serde(with = "crate::hex::array")]
    id: TokenId,
    task: TaskV1<'a>,
    factor: FactorV1<'a>,
    expires_at: u64,
    attempts_left: u8,
    #[serde(default, skip_serializing_if = "super::is_default")]
    consumed: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum TaskV1<'a> {
    Login,
    Setup {
        // Boxed: inline, its size made every sign-in challenge's task, which is
        // mostly `"login"`, about 55 ns slower to read.
        pending: Box<PendingV1<'a>>,
        /// Whether the step-up is done (or was not needed).
        confirming: bool,
    },
    Disable(DisableScope),
    Regenerate,
    Expired(Purpose),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum PendingV1<'a> {
    Authenticator {
        secret: Cow<'a, Vault<Secret>>,
        #[serde(
            default = "crate::otp::stored_standard",
            skip_serializing_if = "crate::otp::is_stored_standard"
        )]
        config: TotpConfig,
        account_name: Cow<'a, Vault<String>>,
    },
    Email(Cow<'a, Vault<String>>),
    Sms(Cow<'a, Vault<String>>),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FactorV1<'a> {
    Authenticator,
    Oob(Cow<'a, OobChallenge>),
    Unsent(OobChannel),
}

impl<'a> From<&'a Challenge> for ChallengeV1<'a> {
    fn from(c: &'a Challenge) -> Self {
        let task = match &c.task {
            Task::Login => TaskV1::Login,
            Task::SetupStepUp(pending) => TaskV1::Setup {
                pending: Box::new(PendingV1::from(&**pending)),
                confirming: false,
            },
            Task::SetupConfirm(pending) => TaskV1::Setup {
                pending: Box::new(PendingV1::from(&**pending)),
                confirming: true,
            },
            Task::Disable(scope) => TaskV1::Disable(*scope),
            Task::Regenerate => TaskV1::Regenerate,
            Task::Expired(purpose) => TaskV1::Expired(*purpose),
        };
        let factor = match &c.factor {
            Factor::Authenticator => FactorV1::Authenticator,
            Factor::Oob(oob) => FactorV1::Oob(Cow::Borrowed(oob)),
            Factor::Unsent(channel) => FactorV1::Unsent(*channel),
        };
        ChallengeV1 {
            id: c.id,
            task,
            factor,
            expires_at: c.expires_at,
            attempts_left: c.attempts_left,
            consumed: c.consumed,
        }
    }
}

impl<'a> From<&'a PendingMethod> for PendingV1<'a> {
    fn from(pending: &'a PendingMethod) -> Self {
        match pending {
            PendingMethod::Authenticator {
                secret,
                config,
                account_name,
            } => PendingV1::Authenticator {
                secret: Cow::Borrowed(secret),
                config: *config,
                account_name: Cow::Borrowed(account_name),
            },
            PendingMethod::Email(to) => PendingV1::Email(Cow::Borrowed(to)),
            PendingMethod::Sms(to) => PendingV1::Sms(Cow::Borrowed(to)),
        }
    }
}

impl From<ChallengeV1<'_>> for Challenge {
    fn from(c: ChallengeV1<'_>) -> Self {
        let task = match c.task {
            TaskV1::Login => Task::Login,
            TaskV1::Setup {
                pending,
                confirming: false,
            } => Task::SetupStepUp(Box::new((*pending).into())),
            TaskV1::Setup {
                pending,
                confirming: true,
            } => Task::SetupConfirm(Box::new((*pending).into())),
            TaskV1::Disable(scope) => Task::Disable(scope),
            TaskV1::Regenerate => Task::Regenerate,
            TaskV1::Expired(purpose) => Task::Expired(purpose),
        };
        let factor = match c.factor {
            FactorV1::Authenticator => Factor::Authenticator,
            FactorV1::Oob(oob) => Factor::Oob(oob.into_owned()),
            FactorV1::Unsent(channel) => Factor::Unsent(channel),
        };
        Challenge {
            id: c.id,
            task,
            factor,
            expires_at: c.expires_at,
            attempts_left: c.attempts_left,
            consumed: c.consumed,
        }
    }
}

impl From<PendingV1<'_>> for PendingMethod {
    fn from(pending: PendingV1<'_>) -> Self {
        match pending {
            PendingV1::Authenticator {
                secret,
                config,
                account_name,
            } => PendingMethod::Authenticator {
                secret: secret.into_owned(),
                config,
                account_name: account_name.into_owned(),
            },
            PendingV1::Email(to) => PendingMethod::Email(to.into_owned()),
            PendingV1::Sms(to) => PendingMethod::Sms(to.into_owned()),
        }
    }
}

/// Writes a record's challenges in their stored form.
pub(super) fn serialize<S: Serializer>(challenges: &[Challenge], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(challenges.iter().map(ChallengeV1::from))
}

/// Reads a record's challenges, each turned into the internal form as it is read.
pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Challenge>, D::Error> {
    d.deserialize_seq(ChallengesVisitor)
}

struct ChallengesVisitor;

impl<'de> Visitor<'de> for ChallengesVisitor {
    type Value = Vec<Challenge>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of challenges")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Challenge>, A::Error> {
        // One per purpose: a record the library wrote holds at most four.
        let mut challenges = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(4));
        while let Some(challenge) = seq.next_element::<ChallengeV1<'_>>()? {
            challenges.push(Challenge::from(challenge));
        }
        Ok(challenges)
    }
}
