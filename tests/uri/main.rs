//! `otpauth://` Key URIs: parsing what apps and other servers write, building them,
//! their round trip, and the report on settings authenticator apps ignore.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../support/proptest_regressions.rs"]
mod proptest_regressions;

mod build;
mod compat;
mod fixture;
mod parse;
mod properties;
