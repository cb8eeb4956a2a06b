//! The OpenAPI 3.1 document, kept in `docs/openapi.json` (a test checks that it lists every
//! route in `routes()`), served with the deployment's issuer as the server URL.

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::ok;
use crate::app::AppState;

pub const DOCUMENT: &str = include_str!("../../../docs/openapi.json");

pub async fn document(State(state): State<AppState>) -> Response {
    let mut doc: Value = serde_json::from_str(DOCUMENT).unwrap_or_else(|_| json!({}));
    if let Some(o) = doc.as_object_mut() {
        o.insert("servers".into(), json!([{ "url": format!("{}/api/v1", state.settings.issuer()) }]));
    }
    ok(&doc)
}

/// The parsed document, for tests and tools.
pub fn parsed() -> Result<Value, serde_json::Error> {
    serde_json::from_str(DOCUMENT)
}
