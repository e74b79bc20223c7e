//! Backup codes: each code works exactly once, what the user is shown has the
//! policy's shape, input is normalised, and the stored form holds nothing checkable
//! without the server key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../support/proptest_regressions.rs"]
mod proptest_regressions;

mod fixture;
mod plain_codes;
mod properties;
mod set;
#[cfg(feature = "serde")]
mod stored;
