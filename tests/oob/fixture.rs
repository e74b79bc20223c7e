//! What every out-of-band test uses: a server key, challenges issued from a fixed
//! generator, and wrong codes of the right shape.

use mfa_core::ServerKey;
use mfa_core::oob::{OobChallenge, OobChannel, OobPolicy};
use rand::rngs::StdRng;

pub(crate) const T0: u64 = 1_767_225_600;

pub(crate) fn key() -> ServerKey {
    ServerKey::new(1, &[0x42; 32]).unwrap()
}

pub(crate) fn issue(policy: &OobPolicy, rng: &mut StdRng, now: u64) -> (String, OobChallenge) {
    let (code, c) = OobChallenge::issue(OobChannel::Email, policy, &key(), rng, now).unwrap();
    (code.as_str().to_owned(), c)
}

/// A code of the right shape that is not `code`.
pub(crate) fn wrong(code: &str, bump: u64) -> String {
    let m = 10u64.pow(code.len() as u32);
    let v = (code.parse::<u64>().unwrap() + 1 + bump % (m - 1)) % m;
    format!("{v:0width$}", width = code.len())
}
