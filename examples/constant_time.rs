//! Statistical timing tests in the dudect style (Reparaz, Balasch, Verbauwhede 2017):
//! each test times one operation for two classes of samples, interleaved at random,
//! and reports Welch's t-statistic between the two timing distributions. |t| above
//! 4.5 after enough samples means the classes are distinguishable: a leak.
//!
//! Both classes submit the **same distribution of input text**; only the secret side
//! differs. The input's own shape may affect timing (the submitter knows it); what
//! must not is whether, and where, it matches a secret.
//!
//! - TOTP ±1 verify: a code that matches the first (or last) step of the window
//!   against the same code checked under another secret (a miss).
//! - Backup codes (10 in the set): a code that matches an unused (or used) slot
//!   against the same code checked against another set (a miss).
//!
//! Run with `cargo run --release --example constant_time` (add
//! `-- --continuous <name>` to keep sampling one test). An example rather than a
//! bench target: dudect-bencher parses its own arguments and refuses cargo's
//! `--bench`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::cell::RefCell;

use dudect_bencher::rand::RngExt as _;
use dudect_bencher::{BenchRng, Class, CtRunner, ctbench_main};
use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
use mfa_core::{Secret, ServerKey, TotpConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

const SAMPLES: usize = 100_000;
const T: u64 = 1_767_225_600;

fn class(rng: &mut BenchRng) -> Class {
    if rng.random::<bool>() {
        Class::Left
    } else {
        Class::Right
    }
}

/// The code of secret A for the step `offset` from a random now, checked under A
/// (`Left`, a hit) or under B (`Right`, a miss).
fn totp_hit_vs_miss(runner: &mut CtRunner, rng: &mut BenchRng, offset: i64) {
    let totp = TotpConfig::default();
    let a = Secret::from_bytes(&[0x5a; 20]).unwrap();
    let b = Secret::from_bytes(&[0xa5; 20]).unwrap();
    let mut inputs = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let now = T + rng.random_range(0..1_000_000u64);
        let step = totp.step_at(now).unwrap().saturating_add_signed(offset);
        let code = totp.generate_at_step(&a, step).as_str().to_owned();
        inputs.push((class(rng), now, code));
    }
    for (class, now, code) in inputs {
        let secret = if matches!(class, Class::Left) { &a } else { &b };
        runner.run_one(class, || totp.verify(secret, &code, now, None).is_ok());
    }
}

fn totp_first_step_vs_miss(runner: &mut CtRunner, rng: &mut BenchRng) {
    totp_hit_vs_miss(runner, rng, -1);
}

fn totp_last_step_vs_miss(runner: &mut CtRunner, rng: &mut BenchRng) {
    totp_hit_vs_miss(runner, rng, 1);
}

/// A code of set X, consumed on a fresh clone of X (`Left`: a hit, or with `used`
/// a code already used) or of Y, another set (`Right`: a miss).
fn backup_hit_vs_miss_in(runner: &mut CtRunner, rng: &mut BenchRng, used: bool) {
    let key = ServerKey::new(1, &[0x42; 32]).unwrap();
    let policy = BackupCodePolicy::default();
    let (plain, mut x) = BackupCodeSet::generate(&policy, &key, &mut StdRng::seed_from_u64(1));
    let (_, y) = BackupCodeSet::generate(&policy, &key, &mut StdRng::seed_from_u64(2));
    let codes: Vec<String> = plain.expose_secret().map(String::from).collect();
    if used {
        for code in &codes {
            let _ = x.consume(code, &key, T).unwrap();
        }
    }
    let mut inputs = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let code = codes[rng.random_range(0..codes.len())].clone();
        inputs.push((class(rng), code));
    }
    for (class, code) in inputs {
        let set = RefCell::new(if matches!(class, Class::Left) {
            x.clone()
        } else {
            y.clone()
        });
        runner.run_one(class, || set.borrow_mut().consume(&code, &key, T).is_ok());
    }
}

fn backup_hit_vs_miss(runner: &mut CtRunner, rng: &mut BenchRng) {
    backup_hit_vs_miss_in(runner, rng, false);
}

fn backup_used_vs_miss(runner: &mut CtRunner, rng: &mut BenchRng) {
    backup_hit_vs_miss_in(runner, rng, true);
}

ctbench_main!(
    totp_first_step_vs_miss,
    totp_last_step_vs_miss,
    backup_hit_vs_miss,
    backup_used_vs_miss
);
