//! A layer that looks at a request before it goes in and at its response when it comes out,
//! and nothing else: the metrics and the site's error pages. Unlike `middleware::from_fn` it
//! neither copies the services inside it nor boxes their future on every request (each request
//! used to copy the nest of layers inside; bench/README.md, "Third pass").

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

/// What to note of a request and what to do with its response.
pub trait Around: Clone {
    /// What `before` notes for `after`.
    type Seen;
    fn before(&self, req: &Request) -> Self::Seen;
    fn after(seen: Self::Seen, res: Response) -> Response;
}

#[derive(Clone)]
pub struct AroundLayer<A>(pub A);

impl<S, A: Clone> Layer<S> for AroundLayer<A> {
    type Service = AroundService<S, A>;
    fn layer(&self, inner: S) -> Self::Service {
        AroundService { inner, around: self.0.clone() }
    }
}

#[derive(Clone)]
pub struct AroundService<S, A> {
    inner: S,
    around: A,
}

impl<S, B, A> Service<Request> for AroundService<S, A>
where
    S: Service<Request, Response = axum::http::Response<B>, Error = Infallible>,
    axum::http::Response<B>: IntoResponse,
    A: Around,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AroundFuture<S::Future, A::Seen>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let seen = self.around.before(&req);
        AroundFuture { inner: self.inner.call(req), seen: Some(seen), after: A::after }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's response future; its response goes through `after` when ready.
    pub struct AroundFuture<F, T> {
        #[pin]
        inner: F,
        seen: Option<T>,
        after: fn(T, Response) -> Response,
    }
}

impl<F, B, T> Future for AroundFuture<F, T>
where
    F: Future<Output = Result<axum::http::Response<B>, Infallible>>,
    axum::http::Response<B>: IntoResponse,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(res) = std::task::ready!(this.inner.poll(cx));
        let res = res.into_response();
        // Polled once more after Ready would be a caller's bug; the response then passes as is.
        Poll::Ready(Ok(match this.seen.take() {
            Some(seen) => (this.after)(seen, res),
            None => res,
        }))
    }
}
