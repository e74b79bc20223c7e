//! Consuming one backup code against a set of 10: a hit (on a fresh clone of the set
//! each time, so the hit is real; the clone is made and dropped outside the timing), a miss (a well-formed wrong code) and an already
//! used code. All three hash the input once and compare it with all 10 slots, so
//! they should take the same time. Beside them, the floor: the one keyed hash every
//! consume computes, HMAC-SHA-256 keyed from the key (the `hmac` crate) of the
//! same input: a 24-byte domain label, the 16-byte salt and the 16-character code,
//! under a 32-byte key.
//!
//! Read ratios within one run; absolute times drift on a shared machine.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mfa_core::ServerKey;
use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
use rand::SeedableRng;
use rand::rngs::StdRng;

const NOW: u64 = 1_767_225_600;
/// Sets cloned per timed batch: few enough that they are still in the L1 cache when
/// consumed, as a set just decoded from its record is. Thousands of clones made
/// ahead (criterion's usual small-input batch) are timed coming back from memory.
const HOT_BATCH: u64 = 32;

fn consume(c: &mut Criterion) {
    let key = ServerKey::new(1, &[0x42; 32]).unwrap();
    let policy = BackupCodePolicy::default();
    let (plain, mut set) = BackupCodeSet::generate(&policy, &key, &mut StdRng::seed_from_u64(1));
    let codes: Vec<String> = plain.expose_secret().map(String::from).collect();
    let (other, _) = BackupCodeSet::generate(&policy, &key, &mut StdRng::seed_from_u64(2));
    let miss = other.expose_secret().next().unwrap().to_owned();
    // The last slot is used; the hit takes the first one, the farthest from it.
    let used = codes.last().unwrap().clone();
    let _ = set.consume(&used, &key, NOW).unwrap();
    let hit = codes.first().unwrap().clone();

    let mut g = c.benchmark_group("backup_consume_of_10");
    g.bench_function("hit", |b| {
        b.iter_batched_ref(
            || set.clone(),
            |s| {
                s.consume(black_box(&hit), &key, black_box(NOW))
                    .map(|u| u.remaining())
            },
            BatchSize::NumIterations(HOT_BATCH),
        )
    });
    g.bench_function("miss", |b| {
        b.iter_batched_ref(
            || set.clone(),
            |s| {
                s.consume(black_box(&miss), &key, black_box(NOW))
                    .map(|u| u.remaining())
            },
            BatchSize::NumIterations(HOT_BATCH),
        )
    });
    g.bench_function("used", |b| {
        b.iter_batched_ref(
            || set.clone(),
            |s| {
                s.consume(black_box(&used), &key, black_box(NOW))
                    .map(|u| u.remaining())
            },
            BatchSize::NumIterations(HOT_BATCH),
        )
    });
    g.bench_function("floor_hmac_sha256_same_input", |b| {
        use hmac::{Hmac, KeyInit, Mac};
        let (label, salt, code) = (b"mfa-core/backup-code/v1\0", [7u8; 16], [b'a'; 16]);
        b.iter(|| {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(black_box(&[0x42; 32])).unwrap();
            mac.update(label);
            mac.update(black_box(&salt));
            mac.update(black_box(&code));
            mac.finalize().into_bytes()
        })
    });
    g.finish();
}

fn generate(c: &mut Criterion) {
    let key = ServerKey::new(1, &[0x42; 32]).unwrap();
    let policy = BackupCodePolicy::default();
    let mut rng = StdRng::seed_from_u64(3);
    c.bench_function("backup_generate_10", |b| {
        b.iter(|| BackupCodeSet::generate(black_box(&policy), &key, &mut rng))
    });
}

criterion_group!(benches, consume, generate);
criterion_main!(benches);
