//! `otpauth://` Key URIs: parsing what apps and other servers write, building them,
//! their round trip, the report on settings authenticator apps ignore, and (feature
//! `qr`) the QR codes drawn from them.
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
#[cfg(feature = "qr")]
mod qr;
