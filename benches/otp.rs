//! TOTP generate and verify beside totp-rs doing the same work, and the floor: one
//! SHA-1 compression. A ±1 verification needs 8 compressions (2 to key HMAC, 2 per
//! step), so `verify / (8 × compress)` is how close to the floor we are.
//!
//! Read ratios within one run; absolute times drift on a shared machine.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mfa_core::{Secret, TotpConfig};

const KEY: &[u8; 20] = b"12345678901234567890";
const NOW: u64 = 1_700_000_000;

fn theirs() -> totp_rs::Totp {
    totp_rs::Builder::new()
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(KEY.to_vec())
        .build()
        .unwrap()
}

/// A well-formed code that matches no step of the ±1 window at `NOW`.
fn wrong_code(totp: &TotpConfig, secret: &Secret) -> String {
    (0u32..)
        .map(|n| format!("{n:06}"))
        .find(|c| totp.verify(secret, c, NOW, None).is_err())
        .unwrap()
}

fn verify(c: &mut Criterion) {
    let ours = TotpConfig::default();
    let secret = Secret::from_bytes(KEY).unwrap();
    let other = theirs();
    let miss = wrong_code(&ours, &secret);
    let first = ours.generate(&secret, NOW - 30).unwrap().to_string();
    let last = ours.generate(&secret, NOW + 30).unwrap().to_string();

    let mut g = c.benchmark_group("totp_verify_pm1");
    g.bench_function("mfa_core_miss", |b| {
        b.iter(|| ours.verify(&secret, black_box(&miss), black_box(NOW), None))
    });
    g.bench_function("mfa_core_hit_first_step", |b| {
        b.iter(|| ours.verify(&secret, black_box(&first), black_box(NOW), None))
    });
    g.bench_function("mfa_core_hit_last_step", |b| {
        b.iter(|| ours.verify(&secret, black_box(&last), black_box(NOW), None))
    });
    g.bench_function("totp_rs_miss", |b| {
        b.iter(|| other.check(black_box(&miss), black_box(NOW)))
    });
    g.bench_function("totp_rs_hit_first_step", |b| {
        b.iter(|| other.check(black_box(&first), black_box(NOW)))
    });
    g.bench_function("sha1_compress_x1", |b| {
        let mut state = [
            0x6745_2301u32,
            0xEFCD_AB89,
            0x98BA_DCFE,
            0x1032_5476,
            0xC3D2_E1F0,
        ];
        let block = [[0x5au8; 64]];
        b.iter(|| {
            sha1::block_api::compress(black_box(&mut state), black_box(&block));
        })
    });
    g.finish();
}

fn generate(c: &mut Criterion) {
    let ours = TotpConfig::default();
    let secret = Secret::from_bytes(KEY).unwrap();
    let other = theirs();
    let mut g = c.benchmark_group("totp_generate");
    g.bench_function("mfa_core", |b| {
        b.iter(|| ours.generate(&secret, black_box(NOW)))
    });
    g.bench_function("totp_rs", |b| b.iter(|| other.generate(black_box(NOW))));
    g.finish();
}

criterion_group!(benches, verify, generate);
criterion_main!(benches);
