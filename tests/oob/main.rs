//! Out-of-band codes: uniform generation, a challenge's verify / resend contract,
//! that contract checked against a reference model over random operation sequences,
//! masked hints, and the stored form.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../support/proptest_regressions.rs"]
mod proptest_regressions;

mod challenge;
mod fixture;
mod generation;
mod masking;
mod model;
#[cfg(feature = "serde")]
mod stored;
