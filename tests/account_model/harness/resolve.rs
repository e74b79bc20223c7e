//! What the user sends: the token and the code an operation stands for.

use mfa_core::account::DisableScope;
use mfa_core::{Secret, error::Error};
use proptest::sample::Index;

use super::{Ctx, Harness};
use crate::calls::{AnyToken, Call};
use crate::model::{MFactor, MPending, MTask};
use crate::ops::{Code, Op, Pick, Slot};
use crate::support::{b32, totp};
use crate::user::Submitted;

impl Harness {
    /// Every secret the user holds an app for.
    pub(super) fn known_secrets(&self) -> Vec<Secret> {
        let mut secrets: Vec<Secret> = self.user.last_auth_secret.iter().cloned().collect();
        secrets.extend(self.model.auth.iter().map(|(s, _)| s.clone()));
        for c in self.model.challenges.iter().flatten() {
            if let MTask::Setup {
                pending: MPending::Auth(Some(s)),
                ..
            } = &c.task
            {
                secrets.push(s.clone());
            }
        }
        secrets
    }

    /// What the user types for the challenge in `slot` when they have it right.
    fn right_code(&mut self, slot: Slot) -> Submitted {
        let now = self.now;
        let right = match &self.model.challenges[slot.index()] {
            Some(c) => match (&c.task, &c.factor) {
                (
                    MTask::Setup {
                        pending: MPending::Auth(Some(secret)),
                        confirming: true,
                    },
                    MFactor::Auth,
                ) => Some(secret.clone()),
                (_, MFactor::Auth) => self
                    .model
                    .auth
                    .as_ref()
                    .map(|(s, _)| s.clone())
                    .or_else(|| self.user.last_auth_secret.clone()),
                (_, MFactor::Oob(o)) => return Submitted::plain(&o.code),
                // No code was sent: the user types the last one they saw.
                (_, MFactor::Unsent(_)) => None,
            },
            None => {
                return self
                    .user
                    .seen
                    .last()
                    .cloned()
                    .unwrap_or_else(|| Submitted::plain("000000"));
            }
        };
        let Some(secret) = right else {
            return Submitted::plain("000000");
        };
        let step = totp().step_at(now).unwrap();
        let code = Submitted {
            text: totp().generate_at_step(&secret, step).as_str().to_owned(),
            totp: Some((b32(&secret), step)),
        };
        self.user.seen.push(code.clone());
        code
    }

    /// A well-formed code that is neither `right` nor any code of a known secret now.
    fn wrong_code(&self, n: u32, right: &Submitted) -> Submitted {
        let secrets = self.known_secrets();
        let mut v = n % 1_000_000;
        loop {
            let text = format!("{v:06}");
            if text != right.text
                && secrets
                    .iter()
                    .all(|s| totp().verify(s, &text, self.now, None).is_err())
            {
                return Submitted::plain(&text);
            }
            v = (v + 1) % 1_000_000;
        }
    }

    fn code_for(&mut self, slot: Slot, code: Code) -> Submitted {
        let right = self.right_code(slot);
        let pick = |list: Vec<String>, i: Index| -> Option<Submitted> {
            (!list.is_empty()).then(|| Submitted::plain(&list[i.index(list.len())]))
        };
        let fallback = Submitted::plain("AAAA-AAAA-AAAA-AAAA");
        match code {
            Code::Right => right,
            Code::Wrong(n) => self.wrong_code(n, &right),
            Code::Old(i) if !self.user.seen.is_empty() => {
                self.user.seen[i.index(self.user.seen.len())].clone()
            }
            Code::Old(_) => self.wrong_code(7, &right),
            Code::Reused => self
                .user
                .last_accepted
                .clone()
                .unwrap_or_else(|| self.wrong_code(11, &right)),
            Code::Replay => self
                .user
                .last_totp
                .clone()
                .unwrap_or_else(|| self.wrong_code(13, &right)),
            Code::BackupUnused(i) => {
                let unused: Vec<String> = self
                    .user
                    .backup
                    .iter()
                    .filter(|c| !self.user.used_backup.contains(*c))
                    .cloned()
                    .collect();
                pick(unused, i)
                    .or_else(|| pick(self.user.backup.clone(), i))
                    .unwrap_or(fallback)
            }
            Code::BackupUsed(i) => {
                pick(self.user.used_backup.iter().cloned().collect(), i).unwrap_or(fallback)
            }
            Code::BackupRetired(i) => {
                pick(self.user.retired.iter().cloned().collect(), i).unwrap_or(fallback)
            }
            Code::Malformed => Submitted::plain("12a4 5"),
        }
    }

    fn ctx(&self, token: &AnyToken, code: Option<Submitted>) -> Ctx {
        let key = token.key();
        let dead = match self.user.issued.get(&key) {
            None => Some("never issued"),
            Some(i) if i.consumed => Some("consumed"),
            Some(i) if i.dead => Some("replaced or wiped"),
            Some(i) if self.now >= i.expires_at => Some("expired"),
            Some(_) => None,
        };
        let factor_auth = self.model.challenges[token.slot().index()]
            .as_ref()
            .is_some_and(|c| c.key == key && matches!(c.factor, MFactor::Auth));
        Ctx {
            code,
            dead,
            forged: !self.user.issued.contains_key(&key),
            factor_auth,
        }
    }

    pub(super) fn resolve(&mut self, op: &Op) -> (Call, Ctx) {
        let verify = |h: &mut Self, slot: Slot, pick: Pick, code: Code| {
            let token = h.user.tokens.pick(slot, pick);
            let code = h.code_for(slot, code);
            let ctx = h.ctx(&token, Some(code.clone()));
            (token, code.text, ctx)
        };
        match *op {
            Op::BeginSetup(m) => (Call::BeginSetup(m), Ctx::default()),
            Op::StepUp(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Setup, p, c);
                let AnyToken::Setup(t) = token else {
                    unreachable!()
                };
                (Call::StepUp(t, code), ctx)
            }
            Op::Confirm(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Setup, p, c);
                (Call::verify(token, code), ctx)
            }
            Op::VerifyLogin(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Login, p, c);
                (Call::verify(token, code), ctx)
            }
            Op::VerifyDisable(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Disable, p, c);
                (Call::verify(token, code), ctx)
            }
            Op::VerifyRegenerate(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Regenerate, p, c);
                (Call::verify(token, code), ctx)
            }
            Op::VerifyLoginRemembering(p, c) => {
                let (token, code, ctx) = verify(self, Slot::Login, p, c);
                let AnyToken::Login(t) = token else {
                    unreachable!()
                };
                (Call::VerifyLoginRemembering(t, code), ctx)
            }
            Op::BeginLoginOnDevice(p) => {
                let devices = &self.user.devices;
                let text = match (p, devices.last()) {
                    (Pick::Latest, Some(last)) => last.clone(),
                    (Pick::Stale(i), Some(_)) => devices[i.index(devices.len())].clone(),
                    (Pick::Forged(n), _) => format!("device_{n:032x}{n:032x}"),
                    (_, None) => format!("device_{}", "5a".repeat(32)),
                };
                (Call::BeginLoginOn(text), Ctx::default())
            }
            Op::ForgetDevices => (Call::ForgetDevices, Ctx::default()),
            Op::BeginLogin => (Call::BeginLogin, Ctx::default()),
            Op::BeginRegenerate => (Call::BeginRegenerate, Ctx::default()),
            Op::BeginDisable(m) => (
                Call::BeginDisable(m.map_or(DisableScope::Everything, DisableScope::Method)),
                Ctx::default(),
            ),
            Op::Switch(slot, p, m) => {
                let token = self.user.tokens.pick(slot, p);
                let ctx = self.ctx(&token, None);
                (Call::Switch(token, m), ctx)
            }
            Op::Resend(slot, p) => {
                let token = self.user.tokens.pick(slot, p);
                let ctx = self.ctx(&token, None);
                (Call::Resend(token), ctx)
            }
            Op::Relabel(from, to, p) => {
                let original = self.user.tokens.pick(from, p);
                let text = original.text();
                if from != to {
                    assert_eq!(
                        AnyToken::parse(to, &text).err(),
                        Some(Error::WrongPurpose {
                            expected: to.purpose(),
                            found: from.purpose()
                        }),
                        "step {}: a {from:?} token parsed as a {to:?} token",
                        self.step
                    );
                }
                let (_, hex) = text.split_once('_').unwrap();
                let relabelled =
                    AnyToken::parse(to, &format!("{}_{hex}", to.purpose().name())).unwrap();
                let code = self.code_for(from, Code::Right);
                let ctx = self.ctx(&relabelled, Some(code.clone()));
                (Call::verify(relabelled, code.text), ctx)
            }
            Op::Unlock => (Call::Unlock, Ctx::default()),
            Op::Reset => (Call::Reset, Ctx::default()),
            Op::Advance(_) | Op::WaitOut | Op::Reload | Op::Rotate => {
                unreachable!("handled without a call")
            }
        }
    }
}
