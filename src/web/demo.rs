//! The demo app's callback page: shows the code it received and how to exchange it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/demo/callback", get(callback))
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "demo_callback.html")]
struct Page {
    site_name: String,
    signed_in: bool,
    code: String,
    error: String,
    token_url: String,
    redirect_uri: String,
    client_id: &'static str,
}

async fn callback(State(state): State<AppState>, Query(q): Query<Callback>) -> Result<Page, AppError> {
    if !state.settings.demo.enabled {
        return Err(AppError::NotFound);
    }
    let issuer = state.settings.issuer();
    Ok(Page {
        site_name: state.settings.server.name.clone(),
        signed_in: false,
        code: q.code.unwrap_or_default(),
        error: match (q.error, q.error_description) {
            (Some(e), Some(d)) => format!("{e}: {d}"),
            (Some(e), None) => e,
            _ => String::new(),
        },
        token_url: format!("{issuer}/token"),
        redirect_uri: format!("{issuer}/demo/callback"),
        client_id: crate::demo::CLIENT_ID,
    })
}
