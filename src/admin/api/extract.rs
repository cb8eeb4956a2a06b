//! The API's extractors: the bearer-token actor, and JSON bodies and query strings whose
//! rejections are JSON errors like every other API error.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::admin::actor::{self, BearerError};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::error::AppError;
use crate::request::Client;

fn json_error(status: StatusCode, error: &'static str, message: impl Into<String>) -> AppError {
    AppError::Json { status, error, message: message.into(), field: None }
}

/// The acting principal of an API request, from `Authorization: Bearer <access token>`.
pub struct ApiActor(pub AdminActor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Ok(Client(from)) = Client::from_request_parts(parts, state).await;
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let (scheme, token) = match header.split_once(' ') {
            Some((scheme, t)) if !t.trim().is_empty() => (scheme, t.trim()),
            _ => return Err(json_error(StatusCode::UNAUTHORIZED, "invalid_token", BearerError::Missing.to_string())),
        };
        let mut proofs = parts.headers.get_all("dpop").iter();
        let proof = proofs.next().and_then(|v| v.to_str().ok());
        if proofs.next().is_some() {
            return Err(json_error(StatusCode::UNAUTHORIZED, "invalid_dpop_proof", "Send one DPoP header."));
        }
        let presented = if scheme.eq_ignore_ascii_case("bearer") {
            actor::Presented::Bearer
        } else if scheme.eq_ignore_ascii_case("dpop") {
            // The URL the proof must name: the issuer and the path, without the query.
            let url = format!("{}{}", state.settings.issuer(), parts.uri.path());
            actor::Presented::Dpop { proof, method: parts.method.as_str(), url }
        } else {
            return Err(json_error(StatusCode::UNAUTHORIZED, "invalid_token", BearerError::Missing.to_string()));
        };
        match actor::from_bearer(state, token, from, presented).await {
            Ok(a) => Ok(ApiActor(a)),
            Err(e @ (BearerError::Missing | BearerError::Invalid)) => {
                Err(json_error(StatusCode::UNAUTHORIZED, "invalid_token", e.to_string()))
            }
            Err(e @ BearerError::Dpop(_)) => Err(json_error(StatusCode::UNAUTHORIZED, "invalid_dpop_proof", e.to_string())),
            Err(e @ BearerError::InsufficientScope) => Err(json_error(StatusCode::FORBIDDEN, "insufficient_scope", e.to_string())),
            Err(BearerError::Admin(e)) => Err(e.into_api()),
        }
    }
}

/// A JSON request body.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let status = rejection.status();
                let message = match &rejection {
                    axum::extract::rejection::JsonRejection::MissingJsonContentType(_) => {
                        "Send the body as JSON with Content-Type: application/json.".to_owned()
                    }
                    other => format!("The JSON body is not right: {}", other.body_text()),
                };
                let status = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE { status } else { StatusCode::BAD_REQUEST };
                Err(json_error(status, "invalid_request", message))
            }
        }
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(json_error(StatusCode::BAD_REQUEST, "invalid_request", rejection.body_text())),
        }
    }
}

/// Maps a service-layer error to the API's JSON error.
pub fn api(e: AdminError) -> AppError {
    e.into_api()
}
