//! TOTP verify and generate, and HOTP look-ahead, beside totp-rs doing the same work
//! and beside the hardware floor, all in one run.
//!
//! Two floors for a ±1 verification, which needs 8 compressions (2 to key HMAC, then
//! an inner and an outer one per step), on hand-padded blocks as `otp/mac.rs` builds
//! them:
//!
//! - `floor_chain`: the 8 compressions one after another on one state, each waiting
//!   for the one before. Not the real floor: a verification is not shaped like that.
//! - `floor_shaped`: the same 8 in a verification's shape: the two keying states side
//!   by side, then the three inner compressions side by side, then the three outer
//!   ones (each waits only for its own inner one). An out-of-order core overlaps the
//!   independent ones; this is what a verification cannot beat.
//!
//! Groups per algorithm (SHA-1, SHA-256, SHA-512): `totp_verify_pm1_<alg>`. Read
//! ratios within one run; absolute times drift on a shared machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mfa_core::{
    Secret,
    otp::{Algorithm, HotpConfig, TotpConfig},
};

const NOW: u64 = 1_700_000_000;
const KEY: &[u8; 64] = b"1234567890123456789012345678901234567890123456789012345678901234";

/// The RFC 6238 key length for each algorithm.
fn key(algorithm: Algorithm) -> &'static [u8] {
    match algorithm {
        Algorithm::Sha1 => &KEY[..20],
        Algorithm::Sha256 => &KEY[..32],
        _ => &KEY[..64],
    }
}

fn theirs(algorithm: Algorithm) -> totp_rs::Totp {
    let theirs = match algorithm {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        _ => totp_rs::Algorithm::SHA512,
    };
    totp_rs::Builder::new()
        .with_algorithm(theirs)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(key(algorithm).to_vec())
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

/// A 64- or 128-byte block holding `message` padded as the last block of a hash whose
/// first block is the key block: the blocks `otp/mac.rs` compresses.
fn padded<const B: usize>(message: &[u8]) -> [u8; B] {
    let mut block = [0u8; B];
    block[..message.len()].copy_from_slice(message);
    block[message.len()] = 0x80;
    let bits = ((B + message.len()) * 8) as u64;
    block[B - 8..].copy_from_slice(&bits.to_be_bytes());
    block
}

/// The two floors for one algorithm's compression function and state.
macro_rules! floors {
    ($group:expr, $state:ty, $iv:expr, $compress:path, $block:literal, $digest:expr) => {{
        let key_blocks = [[0x36u8; $block], [0x5cu8; $block]];
        let inner_blocks: [[u8; $block]; 3] =
            [0u64, 1, 2].map(|n| padded::<$block>(&(NOW / 30 + n).to_be_bytes()));
        $group.bench_function("floor_chain", |b| {
            b.iter(|| {
                let mut state: $state = $iv;
                for block in key_blocks.iter().chain(&inner_blocks).chain(&inner_blocks) {
                    $compress(&mut state, core::slice::from_ref(black_box(block)));
                }
                black_box(state)
            })
        });
        $group.bench_function("floor_shaped", |b| {
            b.iter(|| {
                let (mut inner, mut outer): ($state, $state) = ($iv, $iv);
                $compress(&mut inner, core::slice::from_ref(black_box(&key_blocks[0])));
                $compress(&mut outer, core::slice::from_ref(black_box(&key_blocks[1])));
                let mut steps = [inner; 3];
                for (state, block) in steps.iter_mut().zip(&inner_blocks) {
                    $compress(state, core::slice::from_ref(black_box(block)));
                }
                for state in &mut steps {
                    let (digest, len) = $digest(state);
                    let block = padded::<$block>(&digest[..len]);
                    *state = outer;
                    $compress(state, core::slice::from_ref(&block));
                }
                black_box(steps)
            })
        });
    }};
}

/// A state's digest bytes (and how many), without allocating.
fn be32(words: &[u32]) -> ([u8; 64], usize) {
    let mut out = [0u8; 64];
    for (chunk, w) in out.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
    (out, words.len() * 4)
}

fn be64(words: &[u64]) -> ([u8; 64], usize) {
    let mut out = [0u8; 64];
    for (chunk, w) in out.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
    (out, words.len() * 8)
}

// Any starting state costs the same to compress; these stand in for the hashes'
// initial values.
const SHA1_IV: [u32; 5] = [0x5a5a_5a5a; 5];
const SHA256_IV: [u32; 8] = [0x5a5a_5a5a; 8];
const SHA512_IV: [u64; 8] = [0x5a5a_5a5a_5a5a_5a5a; 8];

/// One verification at `NOW`, out of line so that the miss and the two hits run the
/// same machine code: copies inlined into each case's closure are laid out apart and
/// differ in speed by a few percent, which would hide or fake a spread between them.
#[inline(never)]
fn verify_once(totp: &TotpConfig, secret: &Secret, code: &str) -> bool {
    totp.verify(secret, code, black_box(NOW), None).is_ok()
}

fn verify(c: &mut Criterion) {
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        let ours = TotpConfig::default().with_algorithm(algorithm);
        let secret = Secret::from_bytes(key(algorithm)).unwrap();
        let other = theirs(algorithm);
        let miss = wrong_code(&ours, &secret);
        let first = ours.generate(&secret, NOW - 30).unwrap().to_string();
        let last = ours.generate(&secret, NOW + 30).unwrap().to_string();

        let name = format!(
            "totp_verify_pm1_{}",
            format!("{algorithm:?}").to_lowercase()
        );
        let mut g = c.benchmark_group(name);
        g.bench_function("mfa_core_miss", |b| {
            b.iter(|| verify_once(&ours, &secret, black_box(&miss)))
        });
        g.bench_function("mfa_core_hit_first_step", |b| {
            b.iter(|| verify_once(&ours, &secret, black_box(&first)))
        });
        g.bench_function("mfa_core_hit_last_step", |b| {
            b.iter(|| verify_once(&ours, &secret, black_box(&last)))
        });
        g.bench_function("totp_rs_miss", |b| {
            b.iter(|| other.check(black_box(&miss), black_box(NOW)))
        });
        match algorithm {
            Algorithm::Sha1 => floors!(
                g,
                [u32; 5],
                SHA1_IV,
                sha1::block_api::compress,
                64,
                |s: &[u32; 5]| be32(s)
            ),
            Algorithm::Sha256 => floors!(
                g,
                [u32; 8],
                SHA256_IV,
                sha2::block_api::compress256,
                64,
                |s: &[u32; 8]| be32(s)
            ),
            _ => floors!(
                g,
                [u64; 8],
                SHA512_IV,
                sha2::block_api::compress512,
                128,
                |s: &[u64; 8]| be64(s)
            ),
        }
        g.finish();
    }
}

fn generate(c: &mut Criterion) {
    let ours = TotpConfig::default();
    let secret = Secret::from_bytes(key(Algorithm::Sha1)).unwrap();
    let other = theirs(Algorithm::Sha1);
    let mut g = c.benchmark_group("totp_generate");
    g.bench_function("mfa_core", |b| {
        b.iter(|| ours.generate(&secret, black_box(NOW)))
    });
    g.bench_function("totp_rs", |b| b.iter(|| other.generate(black_box(NOW))));
    g.finish();
}

/// HOTP with the default look-ahead (the counter and 5 ahead: 6 counters), a miss,
/// beside totp-rs's HOTP-shaped work (its HMAC for each of the same counters) and
/// beside the floor of 14 chained compressions.
fn hotp(c: &mut Criterion) {
    let ours = HotpConfig::default();
    let secret = Secret::from_bytes(key(Algorithm::Sha1)).unwrap();
    let other = theirs(Algorithm::Sha1);
    let counters = u64::from(ours.look_ahead()) + 1;
    let miss = (0u32..)
        .map(|n| format!("{n:06}"))
        .find(|code| ours.verify(&secret, code, 1000).is_err())
        .unwrap();
    let mut g = c.benchmark_group("hotp_verify_look_ahead");
    g.bench_function("mfa_core_miss", |b| {
        b.iter(|| ours.verify(&secret, black_box(&miss), black_box(1000)))
    });
    // totp-rs has no HOTP API; its TOTP generate at one step per counter is the same
    // HMAC and truncation.
    // The floor: the same compressions (2 to key HMAC, 2 per counter), one after
    // another on one state.
    let blocks: Vec<[u8; 64]> = (0..2 + 2 * counters)
        .map(|n| padded::<64>(&n.to_be_bytes()))
        .collect();
    g.bench_function("floor_chain", |b| {
        b.iter(|| {
            let mut state = SHA1_IV;
            for block in &blocks {
                sha1::block_api::compress(&mut state, core::slice::from_ref(black_box(block)));
            }
            black_box(state)
        })
    });
    g.bench_function("totp_rs_same_counters", |b| {
        b.iter(|| {
            for n in 0..counters {
                black_box(other.generate(black_box((1000 + n) * 30)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, verify, generate, hotp);
criterion_main!(benches);
