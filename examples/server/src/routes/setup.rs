//! Enrolling a method: `POST /identity/mfa/setup`, then, when a
//! method is already enabled, `POST /identity/mfa/setup/step-up` with a code of that
//! method, then `POST /identity/mfa/setup/verify` with the new method's first code.

use axum::Json;
use axum::extract::State;
use mfa_core::account::{MethodSetup, SetupMaterial, SetupNext, SetupToken};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{MAX_METHOD_BYTES, TokenAndCode, names, own_challenge};
use crate::body::{Body, Limits, at_most, at_most_opt};
use crate::error::ApiError;
use crate::flow::{self, Actor};
use crate::iso8601;
use crate::session::SignedIn;
use crate::state::AppState;
use crate::store::UserId;

/// `{"method": "authenticator" | "email" | "sms", "email"?, "phone"?}`.
#[derive(Deserialize)]
pub struct SetupRequest {
    /// The method to enrol.
    pub method: String,
    /// The address, for email.
    pub email: Option<String>,
    /// The number, for SMS.
    pub phone: Option<String>,
}

/// The longest email address accepted, in bytes (RFC 5321's path limit).
const MAX_EMAIL_BYTES: usize = 254;
/// The longest phone number accepted, in bytes (E.164 has at most 15 digits;
/// spaces and punctuation are allowed around them).
const MAX_PHONE_BYTES: usize = 32;

impl Limits for SetupRequest {
    fn check(&self) -> Result<(), ApiError> {
        at_most("method", &self.method, MAX_METHOD_BYTES)?;
        at_most_opt("email", self.email.as_deref(), MAX_EMAIL_BYTES)?;
        at_most_opt("phone", self.phone.as_deref(), MAX_PHONE_BYTES)
    }
}

/// `POST /identity/mfa/setup` (signed in): starts enrolling a method. Answers the
/// `mfaToken` and either the new secret (`secret`, `otpauthUrl`, and `qrSvg`, the
/// URI as a QR code in SVG), or the masked
/// address the code went to (`hint`), or, with a method already enabled, a
/// `stepUp` prompt for a code of that method (with `deliveryWithheld` when that
/// method's email/SMS code was not sent).
///
/// # Errors
/// `invalid_mfa_method`, `mfa_already_enabled` (409), `invalid_destination`,
/// `too_many_attempts` and `too_many_codes_sent` (429), `mfa_locked` (423); 400
/// when the address is missing.
pub async fn begin(
    State(state): State<AppState>,
    session: SignedIn,
    Body(body): Body<SetupRequest>,
) -> Result<Json<Value>, ApiError> {
    let user = session.user;
    let method = mfa_core::account::Method::parse(&body.method)?;
    let username = state.store.username(user).await?.unwrap_or_default();
    let missing = |what: &str| ApiError::bad_request(format!("{what} is required"));
    let request = match method {
        mfa_core::account::Method::Authenticator => MethodSetup::Authenticator {
            account_name: &username,
        },
        mfa_core::account::Method::Email => MethodSetup::Email {
            address: body.email.as_deref().ok_or_else(|| missing("email"))?,
        },
        _ => MethodSetup::Sms {
            number: body.phone.as_deref().ok_or_else(|| missing("phone"))?,
        },
    };
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state
            .mfa
            .begin_setup(account, request, &mut rand::rng(), now)
    })
    .await?;
    let started = outcome.result?;
    let token = started.token.to_text();
    let mut answer = json!({
        "mfaToken": token.expose_secret(),
        "method": method.name(),
        "expiresAt": iso8601::format(started.expires_at),
    });
    match started.next {
        SetupNext::Confirm(material) => {
            merge(&mut answer, material_json(&state, user, material).await?)
        }
        SetupNext::StepUp(mut prompt) => {
            super::send(&state, user, prompt.take_delivery()).await?;
            let mut step_up = json!({
                "method": prompt.method().name(),
                "methods": names(prompt.methods()),
                "hint": prompt.hint(),
            });
            super::with_withheld(&mut step_up, &prompt);
            merge(&mut answer, json!({ "stepUp": step_up }));
        }
    }
    Ok(Json(answer))
}

/// `POST /identity/mfa/setup/step-up` (signed in): proves an enabled method with its
/// code; answers what the new method needs (`secret`, `otpauthUrl` and `qrSvg`, or
/// `hint`).
///
/// # Errors
/// As verifying a sign-in code, with 400 for a wrong code; `step_up_complete` (409)
/// when the step-up is already done (go on to `/identity/mfa/setup/verify`);
/// `too_many_codes_sent` (429) when the new address's code cannot be sent.
pub async fn step_up(
    State(state): State<AppState>,
    session: SignedIn,
    Body(body): Body<TokenAndCode>,
) -> Result<Json<Value>, ApiError> {
    let token =
        own_challenge::<mfa_core::account::Setup>(&state, &body.mfa_token, session.user).await?;
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state
            .mfa
            .verify_step_up(account, &token, &body.code, &mut rand::rng(), now)
    })
    .await?;
    let material = outcome.result?;
    Ok(Json(material_json(&state, session.user, material).await?))
}

/// `POST /identity/mfa/setup/verify` (signed in): confirms the new method with its
/// first code. The API's answer (`message`, `mfaMethods`, `enabledAt`, `method`),
/// plus the API's `backup_codes` when this is the first method. Every other
/// session of the user ends: one taken before this method was enabled no longer
/// opens the account.
///
/// # Errors
/// `invalid_code`, `attempts_exhausted` (400), `mfa_already_enabled` (409),
/// `step_up_required` (403), `mfa_token_invalid` (404), `mfa_token_expired`,
/// `too_many_attempts` (429), `mfa_locked` (423).
pub async fn verify(
    State(state): State<AppState>,
    session: SignedIn,
    Body(body): Body<TokenAndCode>,
) -> Result<Json<Value>, ApiError> {
    let token: SetupToken = own_challenge(&state, &body.mfa_token, session.user).await?;
    let outcome = flow::run(&state, Actor::Session(&session), |account, now| {
        state
            .mfa
            .confirm_setup(account, &token, &body.code, &mut rand::rng(), now)
    })
    .await?;
    let confirmed = outcome.result?;
    let mut answer = json!({
        "message": format!(
            "{} MFA enabled successfully. Your account is now more secure.",
            confirmed.method.name()
        ),
        "mfaMethods": names(&confirmed.methods),
        "enabledAt": iso8601::format(confirmed.enabled_at),
        "method": confirmed.method.name(),
    });
    if let Some(codes) = &confirmed.backup_codes {
        let codes: Vec<&str> = codes.expose_secret().collect();
        merge(&mut answer, json!({ "backup_codes": codes }));
    }
    Ok(Json(answer))
}

/// The new method's material: the secret to show (as text, URI and QR code), or the
/// code to send (sent here).
async fn material_json(
    state: &AppState,
    user: UserId,
    material: SetupMaterial,
) -> Result<Value, ApiError> {
    Ok(match material {
        SetupMaterial::Authenticator(enrollment) => {
            // Drawn here so that no client needs a QR library of its own, nor sends
            // the URI to a QR service. With usernames of at most 64 characters, only
            // an issuer (MFA_ISSUER) hundreds of bytes long could make the URI too
            // long for a QR code: that is logged and answered 500.
            let qr = enrollment.to_qr_svg()?;
            json!({
                "secret": enrollment.secret().to_base32().expose_secret(),
                "otpauthUrl": enrollment.uri().expose_secret(),
                "qrSvg": qr.expose_secret(),
            })
        }
        SetupMaterial::Oob(delivery) => {
            let hint = delivery.hint();
            super::send(state, user, Some(delivery)).await?;
            json!({ "hint": hint })
        }
    })
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}
