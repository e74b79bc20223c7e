//! Generation and verification never touch the heap: a counting global allocator
//! sees zero allocations across them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations_in;
use std::fmt::Write as _;

use mfa_core::{Algorithm, HotpConfig, Secret, TotpConfig, Window};

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
