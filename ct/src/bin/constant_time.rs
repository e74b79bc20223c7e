//! Statistical timing tests in the dudect style (Reparaz, Balasch, Verbauwhede 2017):
//! each test times one operation for two classes of inputs, interleaved at random,
//! and reports Welch's t-statistic between the two timing distributions. |t| above
//! 4.5 after enough samples means the classes are distinguishable: a leak.
//!
//! The submitted text is the user's secret too, so its characters must not show
//! either: only its length may. The near-miss tests check that (the two classes
//! submit different text of the same length), and a comparison that stopped at the
//! first differing character would fail them. Elsewhere both classes submit text of
//! the same distribution: for TOTP and challenges the stored secret is the same and
//! a wrong code is a real code of another secret; for backup codes the set is the
//! same and a wrong code is a real code of another set.
//!
//! - TOTP ±1 verify: the code of the first step of the window, of the last step, and a
//!   wrong code, compared pairwise; and two near misses, the current code with its
//!   last or its first digit changed.
//! - Backup codes (10 in the set): an unused code, a used code, and a wrong code; and
//!   two near misses, a code with its last or its first character changed; and a
//!   control, the same wrong codes submitted to two different sets.
//! - Challenge lookup: the lookup alone, of a record's own token or another record's
//!   (2 or 16 records, every record and token used by both classes alike); the scan
//!   for the first or the last of three ids (three rotations of one order);
//!   `verify_login` on a record holding three live challenges, with the login
//!   challenge stored first or last; and controls for what is not the secret (copies
//!   of one record, two records with the other challenges swapped, two unknown
//!   tokens).
//! - A control outside mfa-core: `subtle`'s comparison of equal against unequal
//!   arrays.
//!
//! Each sample times [`BATCH`] calls of one class: the clock here ticks in steps of
//! about 10 ns, so a single half-microsecond call per sample would be mostly rounding.
//!
//! Inputs are drawn before sampling starts wherever the test allows
//! ([`sample_drawn_first`]): work done between drawing a sample's class and timing
//! it shows in the timing when it differs by class (different draws, copies from
//! different places), because the processor is still finishing it when the clock
//! starts. The two-record tests still copy a record per sample, from a different
//! record in each class: one more thing, besides the records themselves, that their
//! controls show they measure.
//!
//! Run with `cargo run --release -p mfa-ct --bin constant_time` (add
//! `-- --filter <name>` to run only the tests whose names contain it, or
//! `-- --continuous <name>` to keep sampling one test). A binary rather than a bench
//! target: dudect-bencher parses its own arguments and refuses cargo's `--bench`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::cell::RefCell;

use dudect_bencher::rand::RngExt as _;
use dudect_bencher::{BenchRng, Class, CtRunner, ctbench_main};
use mfa_core::account::{
    DisableScope, LoginStart, LoginToken, MethodSetup, Mfa, MfaPolicy, SetupMaterial, SetupNext,
};
use mfa_core::backup::{BACKUP_CODE_ALPHABET, BackupCodePolicy, BackupCodeSet};
use mfa_core::{Secret, ServerKey, account::Account, otp::TotpConfig, timing_probe};
use rand::SeedableRng;
use rand::rngs::StdRng;

const SAMPLES: usize = 100_000;
const BATCH: usize = 4;
const T: u64 = 1_767_225_600;

fn class(rng: &mut BenchRng) -> Class {
    if rng.random::<bool>() {
        Class::Left
    } else {
        Class::Right
    }
}

/// Times `BATCH` calls of `op`, one per prepared input, as one sample of `class`.
fn sample<I>(runner: &mut CtRunner, class: Class, inputs: &[I], op: impl Fn(&I) -> bool) {
    runner.run_one(class, || {
        for input in inputs {
            // Opaque, so that no branch on the outcome is added to what is timed.
            std::hint::black_box(op(input));
        }
    });
}

/// Samples `op` on inputs drawn before sampling starts: for each sample a class,
/// then [`BATCH`] inputs from `draw`. Work done between drawing a sample's class and
/// timing it shows in the timing when it differs by class, so none is done there.
fn sample_drawn_first<I>(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    mut draw: impl FnMut(&mut BenchRng, Class) -> I,
    op: impl Fn(&I) -> bool,
) {
    let samples: Vec<(Class, [I; BATCH])> = (0..SAMPLES)
        .map(|_| {
            let class = class(rng);
            (class, [(); BATCH].map(|()| draw(rng, class)))
        })
        .collect();
    for (class, inputs) in samples {
        sample(runner, class, &inputs, &op);
    }
}

/// What a TOTP test submits: the code of secret A for a window step, a wrong code,
/// or the code of secret A for the current step with one digit changed.
#[derive(Clone, Copy)]
enum Submit {
    Step(i64),
    Wrong,
    DigitOff(usize),
}

/// `code` with its digit at `position` replaced by the next one (mod 10).
fn digit_off(code: &str, position: usize) -> String {
    code.char_indices()
        .map(|(i, c)| {
            if i == position {
                char::from(b'0' + (c as u8 - b'0' + 1) % 10)
            } else {
                c
            }
        })
        .collect()
}

/// Which stage of a check is timed.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    /// The public call (`TotpConfig::verify`, `BackupCodeSet::consume`), end to end.
    Public,
    /// Everything before its one branch on the outcome (`timing_probe`).
    Verdict,
}

fn totp_test(runner: &mut CtRunner, rng: &mut BenchRng, stage: Stage, left: Submit, right: Submit) {
    let totp = TotpConfig::default();
    let a = Secret::from_bytes(&[0x5a; 20]).unwrap();
    let b = Secret::from_bytes(&[0xa5; 20]).unwrap();
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let class = class(rng);
        let submit = if matches!(class, Class::Left) {
            left
        } else {
            right
        };
        let inputs: Vec<(u64, String)> = (0..BATCH)
            .map(|_| {
                loop {
                    let now = T + rng.random_range(0..1_000_000u64);
                    let step = totp.step_at(now).unwrap();
                    let code = match submit {
                        Submit::Step(offset) => totp
                            .generate_at_step(&a, step.saturating_add_signed(offset))
                            .as_str()
                            .to_owned(),
                        Submit::Wrong => totp.generate_at_step(&b, step).as_str().to_owned(),
                        Submit::DigitOff(position) => {
                            digit_off(totp.generate_at_step(&a, step).as_str(), position)
                        }
                    };
                    // A changed digit can, once in a million, give another step's code:
                    // the class must hold misses only.
                    let hit = totp.verify(&a, &code, now, None).is_ok();
                    if hit == matches!(submit, Submit::Step(_)) {
                        break (now, code);
                    }
                }
            })
            .collect();
        samples.push((class, inputs));
    }
    for (class, inputs) in samples {
        if stage == Stage::Public {
            sample(runner, class, &inputs, |(now, code)| {
                totp.verify(&a, code, *now, None).is_ok()
            });
        } else {
            sample(runner, class, &inputs, |(now, code)| {
                timing_probe::totp_verdict(&totp, &a, code, *now, None).is_ok()
            });
        }
    }
}

fn totp_first_step_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    totp_test(runner, rng, Stage::Public, Submit::Step(-1), Submit::Wrong);
}

fn totp_last_step_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    totp_test(runner, rng, Stage::Public, Submit::Step(1), Submit::Wrong);
}

fn totp_first_vs_last_step(runner: &mut CtRunner, rng: &mut BenchRng) {
    totp_test(
        runner,
        rng,
        Stage::Public,
        Submit::Step(-1),
        Submit::Step(1),
    );
}

/// The control: both classes submit wrong codes, so any |t| above 4.5 here is the
/// machine, not the code.
fn control_totp_wrong_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    totp_test(runner, rng, Stage::Public, Submit::Wrong, Submit::Wrong);
}

/// Two near misses: the current code with its last digit changed, or its first. A
/// comparison that stops at the first differing digit would tell them apart.
fn totp_near_miss_last_vs_first_digit(runner: &mut CtRunner, rng: &mut BenchRng) {
    let digits = usize::from(TotpConfig::default().digits());
    totp_test(
        runner,
        rng,
        Stage::Public,
        Submit::DigitOff(digits - 1),
        Submit::DigitOff(0),
    );
}

fn totp_verdict_first_step_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    totp_test(runner, rng, Stage::Verdict, Submit::Step(-1), Submit::Wrong);
}

fn totp_verdict_last_step_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    totp_test(runner, rng, Stage::Verdict, Submit::Step(1), Submit::Wrong);
}

/// Two sets of ten codes, X (with its plain codes) and Y, and the plain codes of a
/// third set, which match neither.
struct BackupSets {
    key: ServerKey,
    x: BackupCodeSet,
    x_codes: Vec<String>,
    y: BackupCodeSet,
    other_codes: Vec<String>,
}

fn backup_sets() -> BackupSets {
    let key = ServerKey::new(1, &[0x42; 32]).unwrap();
    let policy = BackupCodePolicy::default();
    let draw = |seed| {
        let (plain, set) = BackupCodeSet::generate(&policy, &key, &mut StdRng::seed_from_u64(seed));
        (
            plain.expose_secret().map(String::from).collect::<Vec<_>>(),
            set,
        )
    };
    let (x_codes, x) = draw(1);
    let (_, y) = draw(2);
    let (other_codes, _) = draw(3);
    BackupSets {
        key,
        x,
        x_codes,
        y,
        other_codes,
    }
}

/// Times `stage` of a consume of a random code of `left.1` on a fresh clone of
/// `left.0`, or of `right.1` on `right.0`.
fn backup_test(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    stage: Stage,
    key: &ServerKey,
    left: (&BackupCodeSet, &[String]),
    right: (&BackupCodeSet, &[String]),
) {
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let class = class(rng);
        let (set, codes) = if matches!(class, Class::Left) {
            left
        } else {
            right
        };
        let inputs: Vec<(RefCell<BackupCodeSet>, String)> = (0..BATCH)
            .map(|_| {
                let code = codes[rng.random_range(0..codes.len())].clone();
                (RefCell::new(set.clone()), code)
            })
            .collect();
        samples.push((class, inputs));
    }
    for (class, inputs) in samples {
        if stage == Stage::Public {
            sample(runner, class, &inputs, |(set, code)| {
                set.borrow_mut().consume(code, key, T).is_ok()
            });
        } else {
            sample(runner, class, &inputs, |(set, code)| {
                timing_probe::backup_verdict(&mut set.borrow_mut(), code, key, T).is_ok()
            });
        }
    }
}

/// Set X in both classes, every code of it used before when `used`: a code of X
/// (`Left`: a hit, or a used code) against a code of another set (`Right`: a miss).
/// Only the submitted code changes between classes, as for TOTP.
fn backup_hit_test(runner: &mut CtRunner, rng: &mut BenchRng, stage: Stage, used: bool) {
    let mut sets = backup_sets();
    if used {
        for code in &sets.x_codes {
            let _ = sets.x.consume(code, &sets.key, T).unwrap();
        }
        assert_eq!(sets.x.remaining(), 0);
    }
    let x = (&sets.x, sets.x_codes.as_slice());
    let miss = (&sets.x, sets.other_codes.as_slice());
    backup_test(runner, rng, stage, &sets.key, x, miss);
}

fn backup_unused_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    backup_hit_test(runner, rng, Stage::Public, false);
}

fn backup_used_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    backup_hit_test(runner, rng, Stage::Public, true);
}

fn backup_verdict_unused_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    backup_hit_test(runner, rng, Stage::Verdict, false);
}

fn backup_verdict_used_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    backup_hit_test(runner, rng, Stage::Verdict, true);
}

/// The same codes, of neither set, submitted to set X or to set Y: both classes
/// miss, and only the stored set differs. This test once stood for hit against
/// miss, submitting X's codes to X or to Y; it failed over long runs, and so does
/// this control, by the same small amount: what it measures is which set is
/// stored, not whether a code matched.
fn control_backup_miss_on_two_sets(runner: &mut CtRunner, rng: &mut BenchRng) {
    let sets = backup_sets();
    let on_x = (&sets.x, sets.other_codes.as_slice());
    let on_y = (&sets.y, sets.other_codes.as_slice());
    backup_test(runner, rng, Stage::Public, &sets.key, on_x, on_y);
}

/// `code` with its `nth` alphabet character (hyphens skipped) replaced by the next
/// character of the alphabet.
fn char_off(code: &str, nth: usize) -> String {
    let mut seen = 0;
    code.chars()
        .map(|c| {
            let Some(at) = BACKUP_CODE_ALPHABET
                .iter()
                .position(|&a| char::from(a) == c)
            else {
                return c;
            };
            seen += 1;
            if seen - 1 == nth {
                char::from(BACKUP_CODE_ALPHABET[(at + 1) % BACKUP_CODE_ALPHABET.len()])
            } else {
                c
            }
        })
        .collect()
}

/// Two near misses on one set: one of its codes with the last character changed, or
/// with the first. A comparison of the typed text that stopped at the first
/// difference would tell them apart.
fn backup_near_miss_last_vs_first_char(runner: &mut CtRunner, rng: &mut BenchRng) {
    let sets = backup_sets();
    let last = usize::from(sets.x.code_length()) - 1;
    let off = |nth| -> Vec<String> {
        let codes: Vec<String> = sets.x_codes.iter().map(|c| char_off(c, nth)).collect();
        for code in &codes {
            let miss = sets.x.clone().consume(code, &sets.key, T);
            assert_eq!(miss.unwrap_err().code(), "invalid_code");
        }
        codes
    };
    let (last_off, first_off) = (off(last), off(0));
    let left = (&sets.x, last_off.as_slice());
    let right = (&sets.x, first_off.as_slice());
    backup_test(runner, rng, Stage::Public, &sets.key, left, right);
}

/// The server every challenge test uses.
fn server() -> Mfa {
    Mfa::new(
        MfaPolicy::default(),
        ServerKey::new(1, &[0x42; 32]).unwrap(),
    )
}

/// Samples `op` on fresh copies of a record, with the record and the looked-up value
/// taken from `left` or `right` by class. Each call gets its own copy, after a
/// buffer of random size, so that where the copies lie in memory, and what lies
/// next to them, varies within both classes alike (see [`spaced_copies`]).
fn sample_on_copies<T>(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    left: (&Account, &T),
    right: (&Account, &T),
    op: impl Fn(&Account, &T) -> bool,
) {
    for _ in 0..SAMPLES {
        let class = class(rng);
        let (record, value) = if matches!(class, Class::Left) {
            left
        } else {
            right
        };
        let (copies, _spacers) = spaced_copies(rng, record, Clone::clone);
        sample(runner, class, &copies, |account| op(account, value));
    }
}

/// Where a record stores its login challenge among the other two.
#[derive(Clone, Copy)]
enum LoginAt {
    /// Login, disable, regenerate.
    First,
    /// Disable, regenerate, login.
    Last,
    /// Login, regenerate, disable: the login challenge where `First` has it,
    /// the other two swapped.
    FirstOthersSwapped,
    /// Regenerate, login, disable: `First` rotated once more than `Last`.
    Middle,
}

/// A record with an authenticator enabled and three live challenges (disable,
/// regenerate, login) stored in `order`; and its login token, which depends on
/// `seed` only. The disable and regenerate challenges are the same whatever the
/// order.
fn record_with_login_at(mfa: &Mfa, order: LoginAt, seed: u64) -> (Account, LoginToken) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut account = Account::new();
    let setup = mfa
        .begin_setup(
            &mut account,
            MethodSetup::Authenticator {
                account_name: "jane@example.com",
            },
            &mut rng,
            T,
        )
        .in_memory()
        .result
        .unwrap();
    let SetupNext::Confirm(SetupMaterial::Authenticator(enrollment)) = setup.next else {
        unreachable!("the first method needs no step-up");
    };
    let code = TotpConfig::default()
        .generate(enrollment.secret(), T)
        .unwrap();
    let _ = mfa
        .confirm_setup(&mut account, &setup.token, code.as_str(), &mut rng, T)
        .in_memory()
        .result
        .unwrap();
    let mut open_login =
        |account: &mut Account| match mfa.begin_login(account, &mut rng, T).in_memory().result {
            Ok(LoginStart::Required(login)) => login.token,
            _ => unreachable!("MFA is on"),
        };
    let open_disable = |account: &mut Account| {
        let _ = mfa
            .begin_disable(
                account,
                DisableScope::Everything,
                &mut StdRng::seed_from_u64(4),
                T,
            )
            .in_memory()
            .result
            .unwrap();
    };
    let open_regenerate = |account: &mut Account| {
        let _ = mfa
            .begin_regenerate(account, &mut StdRng::seed_from_u64(6), T)
            .in_memory()
            .result
            .unwrap();
    };
    let token = match order {
        LoginAt::First => {
            let token = open_login(&mut account);
            open_disable(&mut account);
            open_regenerate(&mut account);
            token
        }
        LoginAt::Last => {
            open_disable(&mut account);
            open_regenerate(&mut account);
            open_login(&mut account)
        }
        LoginAt::FirstOthersSwapped => {
            let token = open_login(&mut account);
            open_regenerate(&mut account);
            open_disable(&mut account);
            token
        }
        LoginAt::Middle => {
            open_regenerate(&mut account);
            let token = open_login(&mut account);
            open_disable(&mut account);
            token
        }
    };
    (account, token)
}

/// [`BATCH`] copies of `record` made by `copy`, each after a buffer of random size
/// (returned too, to live as long as the copies). With copies packed end to end,
/// where a record's parts fell against the next allocation showed as a difference
/// of its own between two records, even between two that differ only in the order
/// of their challenges (t up to ±160 in the controls, its sign changing from process
/// to process); with the spacers it is spread over both classes alike.
fn spaced_copies<T>(
    rng: &mut BenchRng,
    record: &Account,
    copy: impl Fn(&Account) -> T,
) -> (Vec<T>, Vec<Vec<u8>>) {
    let mut spacers = Vec::with_capacity(BATCH);
    let copies = (0..BATCH)
        .map(|_| {
            spacers.push(vec![0u8; rng.random_range(1..512)]);
            copy(record)
        })
        .collect();
    (copies, spacers)
}

/// `verify_login` with a wrong app code, on fresh copies of `left`'s record or
/// `right`'s by class (spaced as [`spaced_copies`] does), each with its own token.
fn sample_verify_login(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    left: (&Account, &LoginToken),
    right: (&Account, &LoginToken),
) {
    let mfa = server();
    let wrong = Secret::from_bytes(&[0xa5; 20]).unwrap();
    let now = T + 60;
    let code = TotpConfig::default().generate(&wrong, now).unwrap();
    for _ in 0..SAMPLES / 4 {
        let class = class(rng);
        let (account, token) = if matches!(class, Class::Left) {
            left
        } else {
            right
        };
        let (inputs, _spacers) = spaced_copies(rng, account, |a| RefCell::new(a.clone()));
        sample(runner, class, &inputs, |account| {
            mfa.verify_login(&mut account.borrow_mut(), token, code.as_str(), now)
                .in_memory()
                .result
                .is_ok()
        });
    }
}

/// The whole public `verify_login`, wrong code, on a record that stores the login
/// challenge first or on one that stores it last: the lookup, and holding the
/// challenge apart from the list while it is checked, cost the same wherever it is.
fn login_challenge_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let (first, first_token) = record_with_login_at(&mfa, LoginAt::First, 3);
    let (last, last_token) = record_with_login_at(&mfa, LoginAt::Last, 3);
    sample_verify_login(runner, rng, (&first, &first_token), (&last, &last_token));
}

/// Control for the test above: the same harness on two records that both store the
/// login challenge first and differ only in the order of the other two, so any t
/// beyond the threshold here comes from the two records' layout in memory, not from
/// where the challenge is.
fn control_login_challenge_others_swapped(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let (first, token) = record_with_login_at(&mfa, LoginAt::First, 3);
    let (swapped, same_token) = record_with_login_at(&mfa, LoginAt::FirstOthersSwapped, 3);
    assert_eq!(token.lookup_key(), same_token.lookup_key());
    sample_verify_login(runner, rng, (&first, &token), (&swapped, &token));
}

/// The lookup alone (`timing_probe`): one login token, looked up in a record that
/// stores it first or in one that stores it last.
fn challenge_lookup_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let (first, token) = record_with_login_at(&mfa, LoginAt::First, 3);
    let (last, same_token) = record_with_login_at(&mfa, LoginAt::Last, 3);
    assert_eq!(token.lookup_key(), same_token.lookup_key());
    sample_on_copies(runner, rng, (&first, &token), (&last, &token), |a, t| {
        timing_probe::challenge_lookup(a, t).0 == 0
    });
}

/// Control for the test above: both classes look the token up in copies of the
/// same record (login stored first), so any t beyond the threshold here comes from
/// the harness and memory layout, not from the lookup.
fn control_challenge_lookup_same_record(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let (first, token) = record_with_login_at(&mfa, LoginAt::First, 3);
    sample_on_copies(runner, rng, (&first, &token), (&first, &token), |a, t| {
        timing_probe::challenge_lookup(a, t).0 == 0
    });
}

/// A second control for `challenge_lookup_first_vs_last`: two records that store the
/// token first, one with the other two challenges swapped. The match is at the same
/// position in both, so the lookup does the same work on the same values; only the
/// records differ, as they do in the test it controls.
fn control_challenge_lookup_others_swapped(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let (first, token) = record_with_login_at(&mfa, LoginAt::First, 3);
    let (swapped, same_token) = record_with_login_at(&mfa, LoginAt::FirstOthersSwapped, 3);
    assert_eq!(token.lookup_key(), same_token.lookup_key());
    assert_ne!(
        first.challenge_keys().collect::<Vec<_>>(),
        swapped.challenge_keys().collect::<Vec<_>>()
    );
    sample_on_copies(runner, rng, (&first, &token), (&swapped, &token), |a, t| {
        timing_probe::challenge_lookup(a, t).0 == 0
    });
}

/// The lookup alone (`timing_probe`), on two records and their two live login
/// tokens: a record with its own token (`Left`) or with the other record's, which it
/// does not hold (`Right`). Each record and each token is used equally often in both
/// classes, so only whether they match differs.
fn challenge_lookup_live_vs_unknown(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let (records, tokens): (Vec<Account>, Vec<LoginToken>) = [3, 5]
        .into_iter()
        .map(|seed| record_with_login_at(&mfa, LoginAt::First, seed))
        .unzip();
    lookup_of_own_or_other_token(runner, rng, &records, &tokens);
}

/// The lookup alone on one record, for the login token of one of two other
/// records, neither of which it holds: both classes miss, and only the token's bytes
/// differ. The single-token test above fails over long runs; if this one does too,
/// what they measure is which bytes are hashed, not whether a token matched.
fn control_challenge_lookup_two_unknown(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let (account, _) = record_with_login_at(&mfa, LoginAt::First, 3);
    let (_, one) = record_with_login_at(&mfa, LoginAt::First, 5);
    let (_, other) = record_with_login_at(&mfa, LoginAt::First, 7);
    for token in [&one, &other] {
        assert_eq!(timing_probe::challenge_lookup(&account, token).0, 2);
    }
    lookup_of_two_tokens(runner, rng, &account, &one, &other);
}

/// Samples the lookup (`timing_probe`) of `left` or `right` in `account`, one token
/// per class, each read where it lies.
fn lookup_of_two_tokens(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    account: &Account,
    left: &LoginToken,
    right: &LoginToken,
) {
    for _ in 0..SAMPLES {
        let class = class(rng);
        let token = if matches!(class, Class::Left) {
            left
        } else {
            right
        };
        sample(runner, class, &[(); BATCH], |()| {
            timing_probe::challenge_lookup(account, token).0 == 0
        });
    }
}

/// As `challenge_lookup_live_vs_unknown`, on 16 records and their 16 live tokens:
/// a record with its own token (`Left`), or with the token of one of the other 15
/// (`Right`).
fn challenge_lookup_live_vs_unknown_many(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let (records, tokens): (Vec<Account>, Vec<LoginToken>) = (100..116)
        .map(|seed| record_with_login_at(&mfa, LoginAt::First, seed))
        .unzip();
    lookup_of_own_or_other_token(runner, rng, &records, &tokens);
}

/// Samples the lookup of `tokens[j]` in `records[j]`, which holds it (`Left`), or in
/// another record (`Right`). Every token and every record is used equally often in
/// both classes and read where it lies, so neither its bytes nor its address differs
/// between the classes. The pairs are drawn before sampling starts, by the same
/// draws in both classes: work done between the class draw and the timed calls
/// showed in the timing (drawing the pairs there, this test reached |t| 40).
fn lookup_of_own_or_other_token(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    records: &[Account],
    tokens: &[LoginToken],
) {
    let n = records.len();
    for (i, record) in records.iter().enumerate() {
        for (j, token) in tokens.iter().enumerate() {
            let expected = if i == j { 0 } else { 2 };
            assert_eq!(timing_probe::challenge_lookup(record, token).0, expected);
        }
    }
    sample_drawn_first(
        runner,
        rng,
        |rng, class| {
            let (j, other) = (rng.random_range(0..n), rng.random_range(1..n));
            let record = if matches!(class, Class::Left) {
                j
            } else {
                (j + other) % n
            };
            (record, j)
        },
        |&(record, token)| timing_probe::challenge_lookup(&records[record], &tokens[token]).0 == 0,
    );
}

/// The bytes behind a lookup key (lower-case hex).
fn id_bytes(key: &str) -> [u8; 16] {
    let mut id = [0u8; 16];
    for (byte, pair) in id.iter_mut().zip(key.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap();
    }
    id
}

/// Where a match is, and nothing else (`timing_probe::challenge_scan`): three records
/// that hold the same three live challenges in the three rotations of one order
/// (after the consumed setup challenge, which every record keeps first until it
/// expires), each scanned for the first of the three (`Left`) or the last
/// (`Right`). Each record and each id is used equally often in both classes, from
/// the same places in memory, so only the position of the match differs. (Scanning
/// one record for its first or its last id, which gives the classes different ids,
/// reached |t| 9.8 over 38 M samples.)
fn challenge_scan_first_vs_last_id(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mfa = server();
    let records: Vec<Account> = [LoginAt::First, LoginAt::Last, LoginAt::Middle]
        .into_iter()
        .map(|order| record_with_login_at(&mfa, order, 3).0)
        .collect();
    let ids: Vec<Vec<[u8; 16]>> = records
        .iter()
        .map(|r| r.challenge_keys().map(|k| id_bytes(&k)).collect())
        .collect();
    let (first, last) = (1, ids[0].len() - 1);
    for (r, record) in records.iter().enumerate() {
        assert_eq!(
            ids[r][first],
            ids[(r + 1) % 3][last],
            "rotations of one order"
        );
        assert_eq!(timing_probe::challenge_scan(record, &ids[r][first]), (0, 1));
        assert_eq!(
            timing_probe::challenge_scan(record, &ids[r][last]),
            (0, last as u64)
        );
    }
    // The looked-up ids are read from a table by value, so that both classes read
    // each entry equally often (reading `ids[r][first]` or `ids[r][last]`, each
    // class would read its own places); and each call takes one of 16 copies of its
    // record and of the table, so that no fixed pair of addresses goes with a class
    // (with one copy of each, |t| reached 5 to 8 in some processes).
    let distinct = &ids[0][first..=last];
    let entry = |r: usize, at: usize| distinct.iter().position(|id| *id == ids[r][at]).unwrap();
    let n = records.len();
    let copies: Vec<Account> = (0..16 * n).map(|i| records[i % n].clone()).collect();
    let table: Vec<[u8; 16]> = (0..16).flat_map(|_| distinct.iter().copied()).collect();
    sample_drawn_first(
        runner,
        rng,
        |rng, class| {
            let at = if matches!(class, Class::Left) {
                first
            } else {
                last
            };
            let r = rng.random_range(0..n);
            let (copy, table_copy) = (rng.random_range(0..16), rng.random_range(0..16));
            (copy * n + r, table_copy * distinct.len() + entry(r, at))
        },
        |&(record, k)| timing_probe::challenge_scan(&copies[record], &table[k]).0 == 0,
    );
}

ctbench_main!(
    control_totp_wrong_vs_wrong,
    totp_first_step_vs_wrong,
    totp_last_step_vs_wrong,
    totp_first_vs_last_step,
    totp_near_miss_last_vs_first_digit,
    totp_verdict_first_step_vs_wrong,
    totp_verdict_last_step_vs_wrong,
    backup_unused_vs_wrong,
    backup_used_vs_wrong,
    backup_near_miss_last_vs_first_char,
    backup_verdict_unused_vs_wrong,
    backup_verdict_used_vs_wrong,
    control_backup_miss_on_two_sets,
    login_challenge_first_vs_last,
    control_login_challenge_others_swapped,
    challenge_lookup_first_vs_last,
    control_challenge_lookup_same_record,
    control_challenge_lookup_others_swapped,
    challenge_scan_first_vs_last_id,
    challenge_lookup_live_vs_unknown,
    control_challenge_lookup_two_unknown,
    challenge_lookup_live_vs_unknown_many,
    control_subtle_equal_vs_unequal
);

/// A control for what the hardware does with equal data, outside mfa-core: `subtle`'s
/// comparison of two 16-byte arrays, equal (`Left`) or not (`Right`), every pair
/// drawn before sampling starts. No branch and no address depends on the bytes; if
/// this test fails, comparing equal values takes a different time on this machine
/// than comparing unequal ones, whatever the code does.
fn control_subtle_equal_vs_unequal(runner: &mut CtRunner, rng: &mut BenchRng) {
    use subtle::ConstantTimeEq as _;
    sample_drawn_first(
        runner,
        rng,
        |rng, class| {
            let (a, c): ([u8; 16], [u8; 16]) = (rng.random(), rng.random());
            (a, if matches!(class, Class::Left) { a } else { c })
        },
        |(a, b)| bool::from(a.ct_eq(b)),
    );
}
