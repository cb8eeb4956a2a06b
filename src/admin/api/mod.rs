//! The admin REST API at `/api/v1/…`: JSON in and out, bearer access tokens only (no cookies, so
//! no CSRF), errors as `{"error": code, "message": text}` (and `field` for invalid input).
//! Every endpoint is listed once in [`routes`], which builds the router and which a test checks
//! against the OpenAPI document served at `/api/v1/openapi.json`. See `docs/admin-api.md`.

mod abuse;
mod bodies;
mod clients;
mod connections;
mod data;
mod extract;
pub mod idempotency;
mod memberships;
pub mod openapi;
mod roles;
mod user_activity;
mod users;

use axum::Router;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, delete, get, patch, post, put};
use serde::Serialize;

pub use extract::{ApiActor, ApiJson, ApiQuery};

use crate::app::AppState;
use crate::error::AppError;

/// The API's path prefix.
pub const PREFIX: &str = "/api/v1";

/// Every API endpoint: method, path (axum syntax) and handler.
pub fn routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    macro_rules! r {
        ($m:ident $f:ident $path:literal => $h:expr) => {
            (Method::$m, concat!("/api/v1", $path), $f($h))
        };
    }
    vec![
        r!(GET get "/openapi.json" => openapi::document),
        r!(GET get "/me" => users::me),
        r!(GET get "/users" => users::search),
        r!(POST post "/users" => users::create),
        r!(GET get "/users/{id}" => users::show),
        r!(PATCH patch "/users/{id}" => users::update),
        r!(DELETE delete "/users/{id}" => users::remove),
        r!(PUT put "/users/{id}/flag" => users::flag),
        r!(DELETE delete "/users/{id}/flag" => users::unflag),
        r!(PUT put "/users/{id}/disabled" => users::disable),
        r!(DELETE delete "/users/{id}/disabled" => users::enable),
        r!(PUT put "/users/{id}/superuser" => users::make_superuser),
        r!(DELETE delete "/users/{id}/superuser" => users::unmake_superuser),
        r!(POST post "/users/{id}/logout" => users::logout_everywhere),
        r!(POST post "/users/{id}/reset-2fa" => users::reset_mfa),
        r!(POST post "/users/{id}/remove-passkeys" => users::remove_passkeys),
        r!(POST post "/users/{id}/sign-in-email" => users::send_sign_in_email),
        r!(GET get "/users/{id}/activity" => user_activity::show),
        r!(DELETE delete "/users/{id}/sessions/{sid}" => user_activity::end_session),
        r!(DELETE delete "/users/{id}/apps/{client_id}" => user_activity::revoke_app),
        r!(POST post "/invitations/{id}/resend" => user_activity::resend),
        r!(POST post "/invitations/{id}/withdraw" => user_activity::withdraw),
        r!(GET get "/flagged-users" => users::flagged),
        r!(GET get "/bodies" => bodies::list),
        r!(POST post "/bodies" => bodies::create),
        r!(GET get "/bodies/{id}" => bodies::show),
        r!(PATCH patch "/bodies/{id}" => bodies::update),
        r!(PUT put "/bodies/{id}/contractors/{contractor_id}" => bodies::link),
        r!(DELETE delete "/bodies/{id}/contractors/{contractor_id}" => bodies::unlink),
        r!(GET get "/bodies/{id}/roles" => roles::list),
        r!(POST post "/bodies/{id}/roles" => roles::create),
        r!(GET get "/roles/{id}" => roles::show),
        r!(PATCH patch "/roles/{id}" => roles::update),
        r!(DELETE delete "/roles/{id}" => roles::remove),
        r!(GET get "/bodies/{id}/members" => memberships::list),
        r!(POST post "/bodies/{id}/members" => memberships::add),
        r!(GET get "/memberships/{id}" => memberships::show),
        r!(PATCH patch "/memberships/{id}" => memberships::update),
        r!(DELETE delete "/memberships/{id}" => memberships::remove),
        r!(GET get "/clients" => clients::list),
        r!(POST post "/clients" => clients::create),
        r!(GET get "/clients/{id}" => clients::show),
        r!(PATCH patch "/clients/{id}" => clients::update),
        r!(DELETE delete "/clients/{id}" => clients::remove),
        r!(POST post "/clients/{id}/secret" => clients::rotate_secret),
        r!(PUT put "/clients/{id}/admin-access" => clients::set_admin_access),
        r!(GET get "/connections" => connections::list),
        r!(POST post "/connections" => connections::create),
        r!(GET get "/connections/{id}" => connections::show),
        r!(PATCH patch "/connections/{id}" => connections::update),
        r!(DELETE delete "/connections/{id}" => connections::remove),
        r!(PUT put "/connections/{id}/client-secret" => connections::rotate_secret),
        r!(GET get "/bans" => abuse::list),
        r!(POST post "/bans" => abuse::ban),
        r!(DELETE delete "/bans/{pattern}" => abuse::unban),
        r!(GET get "/audit" => data::audit),
        r!(GET get "/audit.csv" => data::audit_csv),
        r!(GET get "/bodies/{id}/export" => data::export_body),
        r!(POST post "/bodies/{id}/import" => data::import_users),
    ]
}

/// CSV imports are far larger than any other request: their route has its own body limit
/// (`server.max_import_bytes`) and sits outside the site-wide one (see [`upload_router`]).
const IMPORT_PATH: &str = "/api/v1/bodies/{id}/import";

pub fn router() -> Router<AppState> {
    routes()
        .into_iter()
        .filter(|(_, path, _)| *path != IMPORT_PATH)
        .fold(Router::new(), |r, (_, path, handler)| r.route(path, handler))
        // Unknown API paths and methods answer in JSON too.
        .route("/api/v1/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed() -> AppError {
    AppError::Json {
        status: StatusCode::METHOD_NOT_ALLOWED,
        error: "method_not_allowed",
        message: "This endpoint does not take that method; see /api/v1/openapi.json.".into(),
        field: None,
    }
}

/// [`router`] with `Idempotency-Key` handling on its POSTs (see [`idempotency`]); the CSV import
/// route is not included (its one transaction either imports the file or not).
pub fn router_with_idempotency(state: &AppState) -> Router<AppState> {
    router().route_layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::layer))
}

/// The import route alone, with its own body limit; merged outside the site-wide body limit.
pub fn upload_router(max_bytes: usize) -> Router<AppState> {
    routes()
        .into_iter()
        .filter(|(_, path, _)| *path == IMPORT_PATH)
        .fold(Router::new(), |r, (_, path, handler)| r.route(path, handler))
        .layer(axum::extract::DefaultBodyLimit::max(max_bytes))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_bytes))
}

async fn not_found() -> AppError {
    AppError::Json {
        status: StatusCode::NOT_FOUND,
        error: "not_found",
        message: "There is no API endpoint at this path.".into(),
        field: None,
    }
}

/// A JSON answer that is never cached.
pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(crate) fn ok<T: Serialize>(body: &T) -> Response {
    json(StatusCode::OK, body)
}

pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
