//! Constant time, checked instruction by instruction: every secret this program
//! handles is marked *undefined* for valgrind's memcheck, which then reports each
//! conditional branch, and each memory address, that depends on it (the "ctgrind"
//! method, Langley 2010). Unlike the dudect tests (`constant_time`) this is exact
//! and repeatable: it does not sample the clock, it follows the data.
//!
//! Run it with `.ci/ct-memcheck`: it builds this binary with the `ct-memcheck`
//! profile (release code with line tables) and runs it under valgrind through the
//! checker `.ci/ct_memcheck.py`. What this program marks secret:
//!
//! - every byte the CSPRNG returns, so authenticator secrets, challenge tokens,
//!   salts, backup codes and email/SMS codes are secret from birth, and so is all
//!   that is computed from them (stored hashes, token ids, generated codes);
//! - the server key;
//! - every code and token the "user" submits, because the typed text is a secret
//!   too: only its length may show.
//!
//! A secret may decide a branch only where the library deliberately reveals a
//! result the caller is told anyway (a code matched or not; it is well-formed or
//! not; a random draw was rejected and drawn again). Those places, and nothing
//! else, are listed in `.ci/ct-declassified.txt`; the checker fails the run on any
//! report charged to another function. `--leaky` runs a comparison with an early
//! exit on a secret instead, which must be reported: the proof that the method can
//! fail.
#![allow(
    unsafe_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use mfa_core::account::{
    DisableScope, LoginStart, LoginToken, MethodSetup, Mfa, MfaPolicy, SetupMaterial, SetupNext,
};
use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
use mfa_core::{
    Secret, ServerKey,
    account::Account,
    oob::{OobChallenge, OobChannel, OobPolicy},
    otp::{HotpConfig, TotpConfig},
    timing_probe,
    uri::KeyUri,
};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

/// Valgrind's client requests: a no-op instruction sequence outside valgrind.
mod memcheck {
    const RUNNING_ON_VALGRIND: usize = 0x1001;
    const MAKE_MEM_UNDEFINED: usize = 0x4d43_0001;

    #[cfg(target_arch = "x86_64")]
    fn request(request: usize, a1: usize, a2: usize) -> usize {
        let args: [usize; 6] = [request, a1, a2, 0, 0, 0];
        let result: usize;
        // SAFETY: the magic sequence from valgrind.h (amd64): four rotations of rdi
        // that sum to 128 bits leave it unchanged, and `xchg rbx, rbx` is a no-op;
        // valgrind recognises the pair and reads the request from [rax]. It writes
        // no memory of ours.
        unsafe {
            core::arch::asm!(
                "rol rdi, 3",
                "rol rdi, 13",
                "rol rdi, 61",
                "rol rdi, 51",
                "xchg rbx, rbx",
                inout("rdx") 0usize => result,
                in("rax") args.as_ptr(),
                inout("rdi") 0usize => _,
                options(nostack, preserves_flags),
            );
        }
        result
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn request(_request: usize, _a1: usize, _a2: usize) -> usize {
        0
    }

    pub(crate) fn running() -> bool {
        request(RUNNING_ON_VALGRIND, 0, 0) != 0
    }

    /// From here on, memcheck treats `bytes` as secret: any branch or address that
    /// depends on them is reported.
    pub(crate) fn secret(bytes: &[u8]) {
        let _ = request(MAKE_MEM_UNDEFINED, bytes.as_ptr() as usize, bytes.len());
    }
}

/// A deterministic CSPRNG stand-in whose every output byte is secret.
struct SecretRng(StdRng);

impl rand::TryRng for SecretRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill_bytes(dst);
        memcheck::secret(dst);
        Ok(())
    }
}

impl rand::TryCryptoRng for SecretRng {}

/// What the user typed: a copy of `text`, marked secret.
fn typed(text: &str) -> String {
    let owned = text.to_owned();
    memcheck::secret(owned.as_bytes());
    owned
}

const T: u64 = 1_767_225_600;

fn server_key(rng: &mut SecretRng) -> ServerKey {
    let mut bytes = [0u8; 32];
    rand::Rng::fill_bytes(rng, &mut bytes);
    ServerKey::new(1, &bytes).unwrap()
}

/// TOTP and HOTP: codes of the first, current and last step of the window, a wrong
/// code, a replayed one; HOTP look-ahead and resynchronisation; base32 and URIs.
fn otp(rng: &mut SecretRng) {
    let totp = TotpConfig::default();
    let secret = Secret::generate(rng);
    let other = Secret::generate(rng);
    for now in [T, T + 17, T + 29] {
        let step = totp.step_at(now).unwrap();
        for (key, at) in [
            (&secret, step - 1),
            (&secret, step),
            (&secret, step + 1),
            (&other, step),
        ] {
            let code = typed(totp.generate_at_step(key, at).as_str());
            black_box(totp.verify(&secret, &code, now, None).is_ok());
            black_box(totp.verify(&secret, &code, now, Some(step)).is_ok());
        }
    }
    let hotp = HotpConfig::default();
    for counter in [0, 5] {
        let code = typed(hotp.generate(&secret, counter + 3).as_str());
        black_box(hotp.verify(&secret, &code, counter).is_ok());
        let next = typed(hotp.generate(&secret, counter + 4).as_str());
        black_box(hotp.resync(&secret, &code, &next, counter).is_ok());
    }
    let text = secret.to_base32();
    let again = Secret::from_base32(&typed(text.expose_secret())).unwrap();
    black_box(again.expose_secret().len());
    let uri = KeyUri::totp(Some("Example"), "jane@example.com", secret.clone(), totp).unwrap();
    black_box(uri.to_uri().expose_secret().len());
}

/// Backup codes: an unused code, the same code again (used), another set's code,
/// and a second unused code; then the set regenerated.
fn backup(rng: &mut SecretRng) {
    let key = server_key(rng);
    let policy = BackupCodePolicy::default();
    let (plain, mut set) = BackupCodeSet::generate(&policy, &key, rng);
    let (others, _) = BackupCodeSet::generate(&policy, &key, rng);
    let mine: Vec<String> = plain.expose_secret().map(typed).collect();
    let theirs: Vec<String> = others.expose_secret().map(typed).collect();
    for code in [&mine[0], &mine[0], &theirs[0], &mine[1]] {
        black_box(set.consume(code, &key, T).is_ok());
    }
    let fresh = set.regenerate(&policy, &key, rng);
    black_box((fresh.len(), set.remaining()));
}

/// Email/SMS codes: a wrong code, the right one, a resend.
fn oob(rng: &mut SecretRng) {
    let key = server_key(rng);
    let policy = OobPolicy::default();
    let (code, mut challenge) =
        OobChallenge::issue(OobChannel::Email, &policy, &key, rng, T).unwrap();
    let (wrong, _) = OobChallenge::issue(OobChannel::Email, &policy, &key, rng, T).unwrap();
    black_box(
        challenge
            .verify(&typed(wrong.as_str()), &key, T + 1)
            .is_ok(),
    );
    black_box(challenge.verify(&typed(code.as_str()), &key, T + 2).is_ok());
    let (_, mut again) = OobChallenge::issue(OobChannel::Sms, &policy, &key, rng, T).unwrap();
    black_box(again.resend(&key, rng, T + 120).is_ok());
}

/// The challenge lookup every call with a token starts with: a record whose
/// challenges hold secret ids, searched for its own tokens and for another record's.
fn lookup(rng: &mut SecretRng) {
    let mfa = Mfa::new(MfaPolicy::default(), server_key(rng));
    let (mut account, _, _) = enrolled(&mfa, rng);
    let (mut other, _, _) = enrolled(&mfa, rng);
    let tokens = [
        login_token(&mfa, &mut account, rng, T),
        login_token(&mfa, &mut account, rng, T),
        login_token(&mfa, &mut other, rng, T),
    ];
    for token in &tokens {
        black_box(timing_probe::challenge_lookup(&account, token));
    }
}

/// An account with an authenticator enabled, confirmed with a typed code: the
/// record, the app's secret, and the backup codes as the user would type them.
fn enrolled<R: rand::CryptoRng>(mfa: &Mfa, rng: &mut R) -> (Account, Secret, Vec<String>) {
    let mut account = Account::new();
    let started = mfa
        .begin_setup(
            &mut account,
            MethodSetup::Authenticator {
                account_name: "jane@example.com",
            },
            rng,
            T,
        )
        .in_memory()
        .result
        .unwrap();
    let SetupNext::Confirm(SetupMaterial::Authenticator(enrollment)) = started.next else {
        unreachable!("the first method needs no step-up");
    };
    let app = enrollment.secret().clone();
    let code = typed(TotpConfig::default().generate(&app, T).unwrap().as_str());
    let confirmed = mfa
        .confirm_setup(&mut account, &started.token, &code, rng, T)
        .in_memory()
        .result
        .unwrap();
    let backup = confirmed
        .backup_codes
        .unwrap()
        .expose_secret()
        .map(typed)
        .collect();
    (account, app, backup)
}

/// A new login challenge's token, as the client sends it back: written as text and
/// read from it.
fn login_token<R: rand::CryptoRng>(
    mfa: &Mfa,
    account: &mut Account,
    rng: &mut R,
    at: u64,
) -> LoginToken {
    let LoginStart::Required(login) = mfa
        .begin_login(account, rng, at)
        .in_memory()
        .result
        .unwrap()
    else {
        unreachable!("MFA is on");
    };
    LoginToken::parse(login.token.to_text().expose_secret()).unwrap()
}

/// The account state machine, with the codes the user types secret: log in with a
/// wrong code, the right code and a backup code, a used backup code, disable.
/// Tokens and the record are public here (the lookup above has them secret), so
/// that a challenge found by its token can be used without every later access to it
/// being reported.
fn account() {
    let mut rng = StdRng::seed_from_u64(2);
    let mfa = Mfa::new(MfaPolicy::default(), ServerKey::new(1, &[7; 32]).unwrap());
    let (mut account, app, backup) = enrolled(&mfa, &mut rng);
    let code = |at: u64| typed(TotpConfig::default().generate(&app, at).unwrap().as_str());
    let attempts = [
        (T + 60, vec![typed("000000"), code(T + 60)]),
        (T + 120, vec![backup[0].clone()]),
        (T + 180, vec![backup[0].clone(), code(T + 180)]),
    ];
    for (now, codes) in attempts {
        let token = login_token(&mfa, &mut account, &mut rng, now);
        for typed in codes {
            let outcome = mfa.verify_login(&mut account, &token, &typed, now);
            black_box(outcome.in_memory().result.is_ok());
        }
    }
    let now = T + 240;
    let disable = mfa
        .begin_disable(&mut account, DisableScope::Everything, &mut rng, now)
        .in_memory()
        .result
        .unwrap();
    let outcome = mfa.verify_disable(&mut account, &disable.token, &code(now), now);
    black_box(outcome.in_memory().result.is_ok());
    black_box(account.mfa_enabled());
}

/// A record as loaded from storage, its sealed values opened under a secret server
/// key: what opens (the authenticator secret, the address) is secret from there
/// on. Tokens are public here, as in `account` below, so that using the challenge
/// a token finds is not reported as a cascade of the token.
fn sealed(rng: &mut SecretRng) {
    let mfa = Mfa::new(MfaPolicy::default(), server_key(rng));
    let mut public = StdRng::seed_from_u64(4);
    let (mut account, app, _) = enrolled(&mfa, &mut public);
    let email = MethodSetup::Email {
        address: "jane@example.com",
    };
    let started = mfa
        .begin_setup(&mut account, email, &mut public, T + 30)
        .in_memory();
    black_box(started.result.is_ok());
    timing_probe::reopen(&mfa, &mut account).unwrap();
    let token = login_token(&mfa, &mut account, &mut public, T + 60);
    let code = typed(
        TotpConfig::default()
            .generate(&app, T + 60)
            .unwrap()
            .as_str(),
    );
    let outcome = mfa.verify_login(&mut account, &token, &code, T + 60);
    black_box(outcome.in_memory().result.is_ok());
}

/// The positive control: an ordinary `==` on two secrets stops at the first byte
/// that differs, and memcheck must say so.
fn leaky(rng: &mut SecretRng) {
    let mut a = vec![0u8; 32];
    let mut b = vec![0u8; 32];
    rand::Rng::fill_bytes(rng, &mut a);
    rand::Rng::fill_bytes(rng, &mut b);
    black_box(black_box(&a) == black_box(&b));
}

fn main() {
    if !memcheck::running() {
        eprintln!("ct_memcheck checks nothing outside valgrind: run .ci/ct-memcheck");
        std::process::exit(2);
    }
    let mut rng = SecretRng(StdRng::seed_from_u64(1));
    if std::env::args().any(|a| a == "--leaky") {
        leaky(&mut rng);
        return;
    }
    otp(&mut rng);
    backup(&mut rng);
    oob(&mut rng);
    lookup(&mut rng);
    sealed(&mut rng);
    account();
    println!("ct_memcheck: every check ran");
}
