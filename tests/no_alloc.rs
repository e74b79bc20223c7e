//! Generating and verifying OTP codes and consuming backup codes never touch the
//! heap: a counting global allocator, installed for this whole test binary, sees zero
//! allocations across them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations_in;
use std::fmt::Write as _;

use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
use mfa_core::{
    Secret, ServerKey,
    error::Error,
    otp::{Algorithm, HotpConfig, TotpConfig, Window},
};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// A fixed buffer to format into, so formatting itself is checked for allocations.
#[derive(Default)]
struct StackText {
    bytes: [u8; 16],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[test]
fn generate_and_verify_do_not_allocate() {
    for algorithm in Algorithm::ALL {
        // A key longer than the block exercises the hash-the-key path too.
        for key_len in [20usize, 64, 128] {
            let secret = Secret::from_bytes(&vec![7u8; key_len]).unwrap();
            let totp = TotpConfig::default()
                .with_algorithm(algorithm)
                .with_window(Window::new(10, 10).unwrap());
            let hotp = HotpConfig::default().with_algorithm(algorithm);
            let now = 1_700_000_000;
            let (n, ()) = allocations_in(|| {
                let code = totp.generate(&secret, now).unwrap();
                let m = totp.verify(&secret, code.as_str(), now, None).unwrap();
                assert!(
                    totp.verify(&secret, code.as_str(), now, Some(m.step()))
                        .is_err()
                );
                assert!(totp.verify(&secret, "000 000", now, None).is_err());
                assert!(totp.verify(&secret, "not a code", now, None).is_err());
                let h = hotp.generate(&secret, 3);
                let next = hotp.generate(&secret, 4);
                assert_eq!(hotp.verify(&secret, h.as_str(), 0).unwrap().counter(), 3);
                assert_eq!(
                    hotp.resync(&secret, h.as_str(), next.as_str(), 0)
                        .unwrap()
                        .counter(),
                    4
                );
                let mut shown = StackText::default();
                write!(shown, "{code}").unwrap();
                assert_eq!(&shown.bytes[..shown.len], code.as_str().as_bytes());
            });
            assert_eq!(n, 0, "{algorithm:?} with a {key_len}-byte key allocated");
        }
    }
}

const NOW: u64 = 1_767_225_600;

fn key(id: u32) -> ServerKey {
    ServerKey::new(id, &[0x42; 32]).unwrap()
}

/// A set under `key(1)` and its codes as shown.
fn generate(policy: &BackupCodePolicy, seed: u64) -> (Vec<String>, BackupCodeSet) {
    let (plain, set) = BackupCodeSet::generate(policy, &key(1), &mut StdRng::seed_from_u64(seed));
    (plain.expose_secret().map(String::from).collect(), set)
}

#[test]
fn consume_never_allocates() {
    let (codes, mut set) = generate(&BackupCodePolicy::new(32, 32, 4).unwrap(), 7);
    let (other, _) = generate(&BackupCodePolicy::new(32, 32, 4).unwrap(), 8);
    let mismatched = key(9);
    let k = key(1);
    let lower = codes[1].to_lowercase();
    let (n, results) = allocations_in(|| {
        [
            set.consume(&codes[0], &k, NOW).map(|u| u.remaining()),
            set.consume(&codes[0], &k, NOW).map(|u| u.remaining()),
            set.consume(&lower, &k, NOW).map(|u| u.remaining()),
            set.consume(&other[0], &k, NOW).map(|u| u.remaining()),
            set.consume("not a code", &k, NOW).map(|u| u.remaining()),
            set.consume("", &k, NOW).map(|u| u.remaining()),
            set.consume(&codes[2], &mismatched, NOW)
                .map(|u| u.remaining()),
        ]
    });
    assert_eq!(n, 0, "consume allocated");
    assert_eq!(results[0], Ok(31));
    assert_eq!(results[1], Err(Error::BackupCodeUsed));
    assert_eq!(results[2], Ok(30));
    assert_eq!(results[3], Err(Error::InvalidCode));
    assert!(matches!(results[4], Err(Error::MalformedBackupCode(_))));
    let (n, remaining) = allocations_in(|| (set.remaining(), set.usage().flatten().count()));
    assert_eq!((n, remaining), (0, (30, 2)));
}
