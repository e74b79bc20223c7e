//! This server's own abuse limits, counted in the database (`rate_limits`) so every
//! server of a fleet shares them:
//!
//! | limit | counted per | allows | window |
//! |---|---|---|---|
//! | password attempts | account (the normalised name, existing or not) | 10 | 15 min |
//! | password attempts | client address (an IPv6 /64 counts as one) | 100 | 15 min |
//! | email/SMS codes | destination, across all accounts | 20 | 1 hour |
//! | registrations | client address | 20 | 1 hour |
//!
//! A password attempt is counted *before* its hash is checked, so racing requests
//! cannot slip past the limit, and a correct password takes its count back: only
//! failures use the budget, and a success clears the account's. Counting an
//! unknown name exactly like a known one keeps the limit from revealing which names
//! exist. Windows are fixed: one opens at the first hit after the last one ended.
//!
//! Registrations are limited because each costs an Argon2id hash and makes an
//! account that can send codes: an address cannot mint throwaway accounts by the
//! thousand.
//!
//! The destination limit stops throwaway accounts from each sending codes to the
//! same number (SMS pumping, harassment); it is twice one account's hourly budget
//! in mfa-core's policy, so one user never meets it alone. Destinations are counted
//! by a keyed digest ([`ServerKey::lookup_digest`](mfa_core::ServerKey::lookup_digest)),
//! never stored in the clear.

use std::net::IpAddr;

use mfa_core::account::Delivery;

use crate::error::ApiError;
use crate::state::AppState;

/// A fixed-window limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Hits allowed per window.
    pub max: u32,
    /// The window, seconds.
    pub window: u64,
}

/// Password attempts per account.
pub const PASSWORD_PER_ACCOUNT: Limit = Limit {
    max: 10,
    window: 15 * 60,
};
/// Password attempts per client address.
pub const PASSWORD_PER_ADDRESS: Limit = Limit {
    max: 100,
    window: 15 * 60,
};
/// Codes sent per destination, across accounts.
pub const SENDS_PER_DESTINATION: Limit = Limit {
    max: 20,
    window: 60 * 60,
};

/// Registrations per client address.
pub const REGISTRATIONS_PER_ADDRESS: Limit = Limit {
    max: 20,
    window: 60 * 60,
};

/// Counts a registration from `client`.
///
/// # Errors
/// `too_many_attempts` (429) when the address's registrations are spent; the
/// database's.
pub async fn count_registration(
    state: &AppState,
    client: IpAddr,
    now: u64,
) -> Result<(), ApiError> {
    let bucket = format!("register:address:{}", address_bucket(client));
    let message = "Too many sign-ups from this address";
    count(
        state,
        &bucket,
        REGISTRATIONS_PER_ADDRESS,
        now,
        "too_many_attempts",
        message,
    )
    .await
}

/// Counts a hit on `bucket` under `limit`.
///
/// # Errors
/// 429 with `code` and `message` when the limit is spent; the database's.
async fn count(
    state: &AppState,
    bucket: &str,
    limit: Limit,
    now: u64,
    code: &'static str,
    message: &str,
) -> Result<(), ApiError> {
    let counts = state.store.hit(&[(bucket, limit.window)], now).await?;
    match counts.first() {
        Some(counted) if counted.count > limit.max => {
            Err(ApiError::throttled(code, message, counted.window_ends))
        }
        Some(_) => Ok(()),
        None => Err(ApiError::internal()),
    }
}

/// A counted password attempt: call [`succeeded`](Self::succeeded) when the
/// password was right; a wrong one keeps its count.
pub struct PasswordAttempt {
    account: String,
    address: String,
}

impl PasswordAttempt {
    /// Counts an attempt for `username` (normalised) from `client`.
    ///
    /// # Errors
    /// `too_many_attempts` (429) when either limit is spent; the database's.
    pub async fn begin(
        state: &AppState,
        username: &str,
        client: IpAddr,
        now: u64,
    ) -> Result<Self, ApiError> {
        let attempt = PasswordAttempt {
            account: format!("password:account:{username}"),
            address: format!("password:address:{}", address_bucket(client)),
        };
        let counts = state
            .store
            .hit(
                &[
                    (&attempt.account, PASSWORD_PER_ACCOUNT.window),
                    (&attempt.address, PASSWORD_PER_ADDRESS.window),
                ],
                now,
            )
            .await?;
        let retry_at = counts
            .iter()
            .zip([PASSWORD_PER_ACCOUNT, PASSWORD_PER_ADDRESS])
            .filter(|(counted, limit)| counted.count > limit.max)
            .map(|(counted, _)| counted.window_ends)
            .max();
        match retry_at {
            Some(at) => Err(ApiError::throttled(
                "too_many_attempts",
                "Too many sign-in attempts",
                at,
            )),
            None => Ok(attempt),
        }
    }

    /// The password was right: the account's failures are forgotten and the
    /// address gets this attempt back.
    ///
    /// # Errors
    /// The database's.
    pub async fn succeeded(self, state: &AppState) -> Result<(), ApiError> {
        Ok(state.store.release(&self.account, &self.address).await?)
    }
}

/// The bucket for a client address: IPv4 as is, IPv6 by its /64 (one host usually
/// holds a whole /64).
fn address_bucket(client: IpAddr) -> String {
    match client {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Counts a code about to be sent to `delivery`'s destination.
///
/// # Errors
/// `too_many_codes_sent` (429) when the destination's limit is spent; the
/// database's.
pub async fn count_send(state: &AppState, delivery: &Delivery, now: u64) -> Result<(), ApiError> {
    let digest = state.lookup_key.lookup_digest(
        b"mfa-server codes sent per destination",
        delivery.destination().as_bytes(),
    );
    let bucket: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let bucket = format!("send:{bucket}");
    let message = "Too many codes were sent to this address or number";
    count(
        state,
        &bucket,
        SENDS_PER_DESTINATION,
        now,
        "too_many_codes_sent",
        message,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::address_bucket;

    #[test]
    fn an_ipv6_slash_64_is_one_bucket_and_mapped_ipv4_is_ipv4() {
        let a = address_bucket(
            "2001:db8:1:2:aaaa::1"
                .parse()
                .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into()),
        );
        let b = address_bucket(
            "2001:db8:1:2:bbbb::9"
                .parse()
                .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into()),
        );
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(
            address_bucket(
                "::ffff:192.0.2.7"
                    .parse()
                    .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into())
            ),
            "192.0.2.7"
        );
    }
}
