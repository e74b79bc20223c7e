//! The first factor and the session around it: `POST /api/auth/register`,
//! `POST /api/auth/login` (which leads into the second factor when MFA is on) and
//! `POST /api/auth/logout`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use mfa_core::account::{Event, LoginStart};
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::audit::server_entry;
use crate::body::{Body, Limits, at_most};
use crate::client::ClientAddress;
use crate::device_cookie;
use crate::error::ApiError;
use crate::flow::{self, Actor};
use crate::limits::{self, PasswordAttempt};
use crate::session::{self, SignedIn};
use crate::state::AppState;
use crate::{password, username};

/// The longest username accepted before normalisation, in bytes.
const MAX_USERNAME_BYTES: usize = 256;

/// `{"username", "password"}`.
#[derive(Deserialize)]
pub struct Credentials {
    /// The name to sign in with (normalised: see [`crate::username`]).
    pub username: String,
    /// The password; wiped from memory when the request is done.
    pub password: Zeroizing<String>,
}

impl Limits for Credentials {
    fn check(&self) -> Result<(), ApiError> {
        at_most("username", &self.username, MAX_USERNAME_BYTES)?;
        at_most("password", &self.password, password::MAX_BYTES)
    }
}

/// `POST /api/auth/register`: creates a user. 201 `{"userId", "username"}` (the
/// name as stored).
///
/// # Errors
/// `invalid_username` (400), `weak_password` (400: fewer than 8 characters),
/// `username_taken` (409), `too_many_attempts` (429: the address's registrations
/// are spent).
pub async fn register(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Body(body): Body<Credentials>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name = username::normalise(&body.username)?;
    if body.password.chars().count() < password::MIN_CHARS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "weak_password",
            format!("A password has at least {} characters", password::MIN_CHARS),
        ));
    }
    limits::count_registration(&state, client, state.clock.now()).await?;
    let hash = state.passwords.hash(&body.password).await?;
    match state
        .store
        .create_user(&name, &hash, state.clock.now())
        .await?
    {
        Some(id) => Ok((
            StatusCode::CREATED,
            Json(json!({ "userId": id, "username": name })),
        )),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "username_taken",
            "That username is taken",
        )),
    }
}

/// `POST /api/auth/login`: checks the password, then either signs in (`{"status":
/// "signed_in", "token"}`) or answers the pending second factor (`{"status":
/// "pending_mfa", "mfaToken", "method", "methods", "hint", "expiresAt"}`), sending
/// an email/SMS code first when that is the default method, or saying why it was
/// not sent (`deliveryWithheld`).
///
/// # Errors
/// 401 `invalid_credentials` (an unknown name and a wrong password answer alike,
/// after the same work); `too_many_attempts` (429) when the account's or the
/// client address's password attempts are spent, or during an MFA lockout;
/// `mfa_locked` (423) when the second factor is hard-locked.
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Body(body): Body<Credentials>,
) -> Result<Json<Value>, ApiError> {
    let refused = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Wrong username or password",
        )
    };
    // A name the profile refuses was never registered: the same answer.
    let Ok(name) = username::normalise(&body.username) else {
        return Err(refused());
    };
    let attempt = PasswordAttempt::begin(&state, &name, client, state.clock.now()).await?;
    let found = state.store.credentials(&name).await?;
    let hashing = std::time::Instant::now();
    let checked = state
        .passwords
        .check(
            found.as_ref().map(|c| c.password_hash.as_str()),
            &body.password,
        )
        .await?;
    state.timings.add_password(hashing.elapsed());
    let Some(found) = found.filter(|_| checked.matches) else {
        return Err(refused());
    };
    attempt.succeeded(&state).await?;
    let user = found.user;
    if checked.outdated {
        let hash = state.passwords.hash(&body.password).await?;
        state.store.set_password_hash(user, &hash).await?;
    }
    // A remembered device's cookie stands in for the second factor; any other
    // cookie, or none, and sign-in asks for a code.
    let device = device_cookie::read(&headers);
    let outcome = flow::run(&state, Actor::SigningIn(user), |account, now| {
        let rng = &mut rand::rng();
        match &device {
            Some(device) => state.mfa.begin_login_remembered(account, device, rng, now),
            None => state.mfa.begin_login(account, rng, now),
        }
    })
    .await?;
    let remembered = outcome.events.contains(&Event::DeviceRecognized);
    match outcome.result? {
        LoginStart::NotRequired => Ok(Json(json!({
            "status": "signed_in",
            "token": session::open(&state, user, if remembered { "remembered_device" } else { "password" }).await?,
        }))),
        LoginStart::Required(login) => {
            let mut body = super::challenge_opened(&state, user, login).await?;
            if let Some(map) = body.as_object_mut() {
                map.insert("status".to_owned(), json!("pending_mfa"));
            }
            Ok(Json(body))
        }
    }
}

/// `POST /api/auth/logout` (signed in): ends this session. `{"message"}`.
///
/// # Errors
/// `unauthorized` (401) without a live session.
pub async fn logout(
    State(state): State<AppState>,
    session: SignedIn,
) -> Result<Json<Value>, ApiError> {
    state.store.delete_session(&session.token_hash).await?;
    let entry = server_entry(session.user, state.clock.now(), "signed_out", json!({}));
    state
        .store
        .append_audit(std::slice::from_ref(&entry))
        .await?;
    Ok(Json(json!({ "message": "Signed out" })))
}
