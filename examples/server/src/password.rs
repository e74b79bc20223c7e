//! The first factor: Argon2id password hashes (the `argon2` crate), stored as PHC
//! strings that carry their own parameters.
//!
//! - **Parameters** default to OWASP's first Argon2id choice: 19 MiB of memory, 2
//!   passes, 1 lane (`m=19456,t=2,p=1`); set `MFA_ARGON2` to change them. A hash
//!   made under other parameters still verifies, and is replaced by one under the
//!   current parameters at the user's next successful sign-in.
//! - **An unknown user costs the same**: the check runs against a dummy hash made
//!   at start-up under the same parameters, so a name that does not exist answers
//!   no faster than a wrong password (no name enumeration by timing).
//! - **Bounded**: hashes run on tokio's blocking pool, at most one per core at a
//!   time, so a burst of sign-ins queues instead of exhausting memory.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng as _;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::error::ApiError;

/// The shortest password accepted at registration (NIST SP 800-63B: at least 8).
pub const MIN_CHARS: usize = 8;
/// The longest password accepted, in bytes: more buys nothing and costs hashing.
pub const MAX_BYTES: usize = 1024;

/// Argon2id cost parameters: memory in KiB, passes, lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    /// Memory, KiB (`m`).
    pub memory_kib: u32,
    /// Passes over memory (`t`).
    pub passes: u32,
    /// Lanes (`p`).
    pub lanes: u32,
}

impl Cost {
    /// OWASP's recommendation: `m=19456,t=2,p=1`.
    pub const RECOMMENDED: Cost = Cost {
        memory_kib: Params::DEFAULT_M_COST,
        passes: Params::DEFAULT_T_COST,
        lanes: Params::DEFAULT_P_COST,
    };

    /// The cheapest Argon2id allows, for tests that register many users.
    pub const TESTS_ONLY: Cost = Cost {
        memory_kib: 8,
        passes: 1,
        lanes: 1,
    };

    /// Reads `m=…,t=…,p=…` (any order; each given once).
    ///
    /// # Errors
    /// Anything else, or parameters Argon2id refuses.
    pub fn parse(text: &str) -> Result<Cost, String> {
        let (mut m, mut t, mut p) = (None, None, None);
        for part in text.split(',') {
            let (name, value) = part
                .trim()
                .split_once('=')
                .ok_or_else(|| format!("`{}` is not name=value", part.trim()))?;
            let value: u32 = value
                .trim()
                .parse()
                .map_err(|_| format!("{name}: not a whole number"))?;
            let slot = match name.trim() {
                "m" => &mut m,
                "t" => &mut t,
                "p" => &mut p,
                other => return Err(format!("unknown parameter `{other}` (use m, t and p)")),
            };
            if slot.replace(value).is_some() {
                return Err(format!("{name} is given twice"));
            }
        }
        let cost = Cost {
            memory_kib: m.ok_or("m (memory, KiB) is missing")?,
            passes: t.ok_or("t (passes) is missing")?,
            lanes: p.ok_or("p (lanes) is missing")?,
        };
        cost.params()?;
        Ok(cost)
    }

    fn params(self) -> Result<Params, String> {
        Params::new(self.memory_kib, self.passes, self.lanes, None).map_err(|e| e.to_string())
    }
}

impl std::fmt::Display for Cost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "m={},t={},p={}",
            self.memory_kib, self.passes, self.lanes
        )
    }
}

/// What a password check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The password matches a real user's hash.
    pub matches: bool,
    /// That hash was made under other parameters: store a new one.
    pub outdated: bool,
}

/// Hashes and checks passwords.
pub struct Passwords {
    params: Params,
    dummy: Arc<str>,
    permits: Semaphore,
}

impl Passwords {
    /// A hasher under `cost`, with its dummy hash made now.
    ///
    /// # Errors
    /// Parameters Argon2id refuses.
    pub fn new(cost: Cost) -> Result<Self, String> {
        let params = cost.params()?;
        let mut unguessable = [0u8; 32];
        rand::rng().fill_bytes(&mut unguessable);
        let dummy = hash_now(&params, &unguessable)?;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Passwords {
            params,
            dummy: dummy.into(),
            permits: Semaphore::new(cores),
        })
    }

    /// A new hash of `password` (PHC string).
    ///
    /// # Errors
    /// 500 when hashing fails (it does not, for a password within the limits).
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let password = Zeroizing::new(password.as_bytes().to_vec());
        let params = self.params.clone();
        self.blocking(move || hash_now(&params, &password)).await
    }

    /// Checks `password` against `stored` (a user's hash), or against the dummy
    /// hash when there is no such user, doing the same work either way.
    ///
    /// # Errors
    /// 500 when the blocking pool fails; a stored hash that does not parse counts
    /// as a mismatch (and is logged).
    pub async fn check(&self, stored: Option<&str>, password: &str) -> Result<Checked, ApiError> {
        let known = stored.is_some();
        let hash: Arc<str> = stored.map_or_else(|| Arc::clone(&self.dummy), Arc::from);
        let password = Zeroizing::new(password.as_bytes().to_vec());
        let params = self.params.clone();
        let checked = self
            .blocking(move || {
                let Ok(parsed) = PasswordHash::new(&hash) else {
                    tracing::error!("a stored password hash does not parse");
                    return Ok(Checked {
                        matches: false,
                        outdated: false,
                    });
                };
                let matches = Argon2::default()
                    .verify_password(&password, &parsed)
                    .is_ok();
                let outdated = Params::try_from(&parsed).map_or(true, |p| {
                    (p.m_cost(), p.t_cost(), p.p_cost())
                        != (params.m_cost(), params.t_cost(), params.p_cost())
                }) || parsed.algorithm.as_str() != "argon2id";
                Ok(Checked { matches, outdated })
            })
            .await?;
        Ok(Checked {
            matches: known && checked.matches,
            outdated: known && checked.outdated,
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, String> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self.permits.acquire().await.map_err(|e| internal(&e))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| internal(&e))?
            .map_err(|e| internal(&e))
    }
}

fn hash_now(params: &Params, password: &[u8]) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_with_salt(password, &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

fn internal(error: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(%error, "password hashing failed");
    ApiError::internal()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{Cost, Passwords};

    #[test]
    fn cost_parses_the_phc_names_and_refuses_the_rest() {
        assert_eq!(Cost::parse("m=19456,t=2,p=1"), Ok(Cost::RECOMMENDED));
        assert_eq!(Cost::parse(" p=1, t=3 ,m=65536").unwrap().passes, 3);
        for bad in [
            "",
            "m=19456,t=2",
            "m=1,t=2,p=1",
            "m=19456,t=0,p=1",
            "x=1,m=8,t=1,p=1",
            "m=8,m=8,t=1,p=1",
            "m=a,t=1,p=1",
        ] {
            assert!(Cost::parse(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_hash_checks_its_password_only_and_unknown_users_never_match() {
        let passwords = Passwords::new(Cost::TESTS_ONLY).unwrap();
        let hash = passwords.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        let right = passwords.check(Some(&hash), "correct horse").await.unwrap();
        assert!(right.matches && !right.outdated);
        assert!(
            !passwords
                .check(Some(&hash), "correct horsE")
                .await
                .unwrap()
                .matches
        );
        assert!(
            !passwords
                .check(None, "correct horse")
                .await
                .unwrap()
                .matches
        );
        assert!(
            !passwords
                .check(Some("not a hash"), "x")
                .await
                .unwrap()
                .matches
        );
    }

    #[tokio::test]
    async fn a_hash_under_other_parameters_still_checks_and_is_outdated() {
        let old = Passwords::new(Cost::parse("m=16,t=1,p=1").unwrap()).unwrap();
        let hash = old.hash("correct horse").await.unwrap();
        let current = Passwords::new(Cost::TESTS_ONLY).unwrap();
        let checked = current.check(Some(&hash), "correct horse").await.unwrap();
        assert!(checked.matches && checked.outdated);
    }
}
