//! The user: the tokens, codes and secrets they were shown or sent.

use std::collections::{BTreeMap, BTreeSet};

use mfa_core::account::{
    ChallengeToken, Delivery, DisableToken, LoginToken, RegenerateToken, SetupToken, TokenPurpose,
};
use mfa_core::{Secret, backup::PlainBackupCodes};

use crate::calls::AnyToken;
use crate::ops::{Pick, Slot};

/// A code the user can type, with the (secret, time step) it was generated for
/// when it came from an authenticator app.
#[derive(Clone, Debug)]
pub(crate) struct Submitted {
    pub(crate) text: String,
    pub(crate) totp: Option<(String, u64)>,
}

impl Submitted {
    pub(crate) fn plain(text: &str) -> Self {
        Submitted {
            text: text.to_owned(),
            totp: None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct TokenInfo {
    pub(crate) expires_at: u64,
    pub(crate) consumed: bool,
    /// Replaced by a newer challenge of its purpose, or wiped with MFA.
    pub(crate) dead: bool,
}

#[derive(Default)]
pub(crate) struct Tokens {
    setup: Vec<SetupToken>,
    login: Vec<LoginToken>,
    disable: Vec<DisableToken>,
    regenerate: Vec<RegenerateToken>,
}

fn choose<P: TokenPurpose>(list: &[ChallengeToken<P>], pick: Pick) -> ChallengeToken<P> {
    let forged =
        |n: u128| ChallengeToken::<P>::parse(&format!("{}_{n:032x}", P::PURPOSE.name())).unwrap();
    match pick {
        Pick::Latest => list.last().cloned().unwrap_or_else(|| forged(0)),
        Pick::Stale(i) if !list.is_empty() => list[i.index(list.len())].clone(),
        Pick::Stale(_) => forged(1),
        Pick::Forged(n) => forged(n),
    }
}

impl Tokens {
    pub(crate) fn pick(&self, slot: Slot, pick: Pick) -> AnyToken {
        match slot {
            Slot::Setup => AnyToken::Setup(choose(&self.setup, pick)),
            Slot::Login => AnyToken::Login(choose(&self.login, pick)),
            Slot::Disable => AnyToken::Disable(choose(&self.disable, pick)),
            Slot::Regenerate => AnyToken::Regenerate(choose(&self.regenerate, pick)),
        }
    }

    pub(crate) fn all(&self) -> Vec<AnyToken> {
        let mut all: Vec<AnyToken> = self.setup.iter().cloned().map(AnyToken::Setup).collect();
        all.extend(self.login.iter().cloned().map(AnyToken::Login));
        all.extend(self.disable.iter().cloned().map(AnyToken::Disable));
        all.extend(self.regenerate.iter().cloned().map(AnyToken::Regenerate));
        all
    }
}

#[derive(Default)]
pub(crate) struct User {
    pub(crate) tokens: Tokens,
    pub(crate) issued: BTreeMap<String, TokenInfo>,
    /// Every code the user was sent or read off the app, in order.
    pub(crate) seen: Vec<Submitted>,
    pub(crate) last_accepted: Option<Submitted>,
    pub(crate) last_totp: Option<Submitted>,
    pub(crate) last_auth_secret: Option<Secret>,
    /// The backup codes of the current set, as shown.
    pub(crate) backup: Vec<String>,
    pub(crate) used_backup: BTreeSet<String>,
    /// Codes of sets that were regenerated away or wiped.
    pub(crate) retired: BTreeSet<String>,
    /// (secret, time step) of every authenticator code accepted.
    pub(crate) accepted_steps: BTreeSet<(String, u64)>,
    /// Counted failures since the last accepted code.
    pub(crate) counted_since_success: u32,
    /// Counted failures since the last accepted code or lockout.
    pub(crate) counted_in_run: u32,
    /// The device tokens the browser was given, in order.
    pub(crate) devices: Vec<String>,
}

impl User {
    pub(crate) fn issue(&mut self, token: AnyToken, expires_at: u64) {
        let slot = token.slot();
        let keys: Vec<String> = match slot {
            Slot::Setup => self
                .tokens
                .setup
                .iter()
                .map(ChallengeToken::lookup_key)
                .collect(),
            Slot::Login => self
                .tokens
                .login
                .iter()
                .map(ChallengeToken::lookup_key)
                .collect(),
            Slot::Disable => self
                .tokens
                .disable
                .iter()
                .map(ChallengeToken::lookup_key)
                .collect(),
            Slot::Regenerate => self
                .tokens
                .regenerate
                .iter()
                .map(ChallengeToken::lookup_key)
                .collect(),
        };
        for key in keys {
            if let Some(info) = self.issued.get_mut(&key) {
                info.dead = true;
            }
        }
        self.issued.insert(
            token.key(),
            TokenInfo {
                expires_at,
                consumed: false,
                dead: false,
            },
        );
        match token {
            AnyToken::Setup(t) => self.tokens.setup.push(t),
            AnyToken::Login(t) => self.tokens.login.push(t),
            AnyToken::Disable(t) => self.tokens.disable.push(t),
            AnyToken::Regenerate(t) => self.tokens.regenerate.push(t),
        }
    }

    pub(crate) fn receive(&mut self, delivery: Option<&Delivery>) {
        if let Some(d) = delivery {
            self.seen.push(Submitted::plain(d.code().as_str()));
        }
    }

    pub(crate) fn new_backup_set(&mut self, codes: Option<&PlainBackupCodes>) {
        self.retired.extend(self.backup.drain(..));
        if let Some(codes) = codes {
            self.backup = codes.expose_secret().map(str::to_owned).collect();
        }
    }
}
