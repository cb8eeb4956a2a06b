//! The overview: the organisations this administrator looks after, and where to go next.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;

use super::{Admin, Nav, Section};
use crate::admin::ops::{self, bodies::BodyView};
use crate::app::AppState;
use crate::error::AppError;
use crate::web::say;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin", get(page))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
struct HomePage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    superuser: bool,
    bodies: Vec<BodyView>,
}

#[derive(Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

async fn page(State(state): State<AppState>, admin: Admin, Query(q): Query<Done>) -> Result<HomePage, AppError> {
    let bodies = ops::bodies::list(&state, &admin.actor).await?;
    if bodies.is_empty() && !admin.actor.is_superuser() {
        return Err(AppError::Forbidden(say::text("admin-refusal-not-admin")));
    }
    Ok(HomePage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Home, q.done.as_deref()),
        superuser: admin.actor.is_superuser(),
        bodies,
    })
}
