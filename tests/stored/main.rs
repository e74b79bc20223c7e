//! What is stored (feature `serde`): an `Account` record's form, byte for byte, and
//! what loading refuses; the sealing that keeps secrets out of a copy of the
//! database; records as earlier versions wrote them, and the transcript of what each does; and the serialised values
//! (secrets, algorithms, configurations).
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod account_form;
mod account_refusals;
mod earlier_versions;
mod fixture;
mod sealed;
mod transcripts;
mod values;
