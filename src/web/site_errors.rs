//! The layer that finishes error pages for the site: a body refused as too large, said in the
//! request's language for a person (the API, SCIM and the OAuth endpoints keep English), and the
//! deployment's name on every error page. It only looks at the path before and the response
//! after (`web::around`).

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::around::{Around, AroundLayer};
use super::say;
use crate::config::Settings;
use crate::tokens::discovery::paths;

pub fn layer(settings: Arc<Settings>) -> AroundLayer<SiteErrors> {
    AroundLayer(SiteErrors { settings })
}

#[derive(Clone)]
pub struct SiteErrors {
    settings: Arc<Settings>,
}

/// Endpoints whose answers are read by programs, not people.
fn for_machines(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/scim/")
        || matches!(path, paths::TOKEN | paths::USERINFO | paths::INTROSPECT | paths::REVOKE | paths::PAR)
}

impl Around for SiteErrors {
    /// Whether the request was for a program, and the settings (for the site's name).
    type Seen = (bool, Arc<Settings>);

    fn before(&self, req: &Request) -> Self::Seen {
        (for_machines(req.uri().path()), self.settings.clone())
    }

    fn after((machine, settings): Self::Seen, res: Response) -> Response {
        finish(res, machine, &settings.server.name)
    }
}

fn finish(res: Response, machine: bool, site_name: &str) -> Response {
    // A body over a limit is refused in plain text by the limit layers (tower-http's before the
    // body is read, web::input's after).
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !machine
        && res.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.as_bytes().starts_with(b"text/plain"))
    {
        let (mut parts, _) = res.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        return Response::from_parts(parts, axum::body::Body::from(say::text("problem-body-too-large")));
    }
    crate::error::with_site_name(res, site_name)
}
