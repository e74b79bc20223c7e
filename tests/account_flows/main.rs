//! The account state machine driven through the endpoints of the HTTP APIs it is
//! built for (setup, verify setup, login, switch, resend, disable, regenerate) on a
//! simulated clock, with the authenticator app played by `TotpConfig::generate` and
//! a seeded CSPRNG; and the policy and challenge tokens those flows run on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod devices;
mod disable;
mod fixture;
mod login;
mod persistence;
mod policy;
mod recovery;
mod redaction;
mod regenerate;
mod resend;
mod rotation;
mod setup;
mod throttle;
mod tokens;
