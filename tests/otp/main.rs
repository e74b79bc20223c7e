//! HOTP and TOTP: the RFC vectors, invariants over random inputs, agreement with an
//! independent implementation, and the edges those leave open: a code two steps
//! share, and HOTP's counter arithmetic, window bounds and resynchronisation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../support/proptest_regressions.rs"]
mod proptest_regressions;

mod differential;
mod hotp;
mod properties;
mod rfc_vectors;
mod shared_code;
