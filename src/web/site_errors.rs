//! The layer that finishes error pages for the site: a body refused as too large, said in the
//! request's language for a person (the API, SCIM and the OAuth endpoints keep English), and the
//! deployment's name on every error page. A tower layer rather than `middleware::from_fn`: it
//! only looks at the path before and the response after, so it neither copies the services
//! inside it nor boxes their future on every request.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::say;
use crate::config::Settings;
use crate::tokens::discovery::paths;

#[derive(Clone)]
pub struct SiteErrorsLayer {
    settings: Arc<Settings>,
}

impl SiteErrorsLayer {
    pub fn new(settings: Arc<Settings>) -> Self {
        SiteErrorsLayer { settings }
    }
}

impl<S> Layer<S> for SiteErrorsLayer {
    type Service = SiteErrors<S>;
    fn layer(&self, inner: S) -> SiteErrors<S> {
        SiteErrors { inner, settings: self.settings.clone() }
    }
}

#[derive(Clone)]
pub struct SiteErrors<S> {
    inner: S,
    settings: Arc<Settings>,
}

/// Endpoints whose answers are read by programs, not people.
fn for_machines(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/scim/")
        || matches!(path, paths::TOKEN | paths::USERINFO | paths::INTROSPECT | paths::REVOKE | paths::PAR)
}

impl<S, B> Service<Request> for SiteErrors<S>
where
    S: Service<Request, Response = axum::http::Response<B>, Error = Infallible>,
    axum::http::Response<B>: IntoResponse,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Finished<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let machine = for_machines(req.uri().path());
        Finished { inner: self.inner.call(req), machine, settings: self.settings.clone() }
    }
}

pin_project_lite::pin_project! {
    pub struct Finished<F> {
        #[pin]
        inner: F,
        machine: bool,
        settings: Arc<Settings>,
    }
}

impl<F, B> Future for Finished<F>
where
    F: Future<Output = Result<axum::http::Response<B>, Infallible>>,
    axum::http::Response<B>: IntoResponse,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(res) = std::task::ready!(this.inner.poll(cx));
        Poll::Ready(Ok(finish(res.into_response(), *this.machine, &this.settings.server.name)))
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
