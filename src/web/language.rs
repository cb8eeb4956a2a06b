//! The language of each request (issue 18): what is known of it is put in `crate::i18n`'s scope
//! around the request ([`choose`], the outermost layer), and `GET /language` is the language
//! link every page carries.
//!
//! - `ui_locales` of `/authorize` (its query, a POSTed request's body, or the pushed request its
//!   `request_uri` names) decides the pages of that sign-in: it is kept in a cookie for an hour
//!   (a browser-session cookie), replaced by the next authorization request, and cleared by one
//!   without it or by the language link. A refused authorization request (4xx) leaves the cookie as it was.
//! - The signed-in person's saved preference is added by the extractor that finds them
//!   (`web::extract`).
//! - The language link's cookie (a year), then `Accept-Language`, then `[ui] default_language`.

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::cookies;
use crate::app::AppState;
use crate::i18n::{self, Choice, Lang};

/// How long the language link's choice is kept.
const LINK_COOKIE_SECS: i64 = 365 * 86_400;
/// How long a relying app's `ui_locales` is kept for its sign-in.
const UI_LOCALES_COOKIE_SECS: i64 = 3600;

pub fn router() -> Router<AppState> {
    Router::new().route("/language", get(switch))
}

#[derive(Deserialize)]
struct SwitchQuery {
    #[serde(default)]
    lang: String,
    next: Option<String>,
}

/// The language link: keeps the choice in a cookie and returns to the page (a safe `next` on
/// this site; anything else goes to the start).
async fn switch(State(state): State<AppState>, jar: CookieJar, Query(q): Query<SwitchQuery>) -> Response {
    let target = super::safe_next(q.next.as_deref());
    let Some(lang) = Lang::parse(&q.lang) else {
        return Redirect::to(&target).into_response();
    };
    let mut c = cookies::build(&state, cookies::language_name(&state), lang.code().to_owned(), Some(LINK_COOKIE_SECS));
    c.set_http_only(false);
    // A choice made now outranks what an app asked for earlier in this sign-in.
    let jar = jar.add(c).add(cookies::removal(&state, cookies::ui_locales_name(&state)));
    (jar, Redirect::to(&target)).into_response()
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// A page's path and query as the language link returns to it: a `next` in its query is kept
/// only as `safe_next` reads it, so a target off the site is never repeated on the page.
fn returnable(path: &str, query: Option<&str>) -> String {
    // An upstream sign-in's answer (code, state, error) is for its callback once, never for a
    // link: the page of a failed SSO sign-in returns to the sign-in page instead.
    if path.starts_with("/sso/") {
        return "/login".to_owned();
    }
    let Some(query) = query.filter(|q| !q.is_empty()) else { return super::safe_next(Some(path)) };
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k == "next" {
            out.append_pair(&k, &super::safe_next(Some(&v)));
        } else {
            out.append_pair(&k, &v);
        }
    }
    super::safe_next(Some(&format!("{path}?{}", out.finish())))
}

/// The page the language link returns to: this one for a GET; after a form post, the page the
/// form was on (the `Referer`, when it is on this site); else the start. Worked out only when a
/// page shows the link (`i18n::scope_lazy`); the request's target and `Referer` are kept for it
/// (each a reference-counted copy).
fn here_later(state: &AppState, req: &Request) -> i18n::HereFn {
    if matches!(*req.method(), Method::GET | Method::HEAD) && req.uri().path() != "/language" {
        let uri = req.uri().clone();
        return Box::new(move || returnable(uri.path(), uri.query()));
    }
    // Most requests other than pages (a token, an introspection) have no Referer, and a closure
    // that holds nothing is boxed without allocating.
    let Some(referer) = req.headers().get(header::REFERER).cloned() else { return Box::new(|| "/".to_owned()) };
    let settings = state.settings.clone();
    Box::new(move || after_post(&referer, settings.issuer()))
}

/// After a form post: the page the form was on, when the `Referer` is on this site.
fn after_post(referer: &HeaderValue, issuer: &str) -> String {
    let Some(referer) = referer.to_str().ok().and_then(|r| url::Url::parse(r).ok()) else {
        return "/".to_owned();
    };
    match url::Url::parse(issuer) {
        Ok(i) if referer.origin() == i.origin() => returnable(referer.path(), referer.query()),
        _ => "/".to_owned(),
    }
}

/// What is known of the request's language, around the whole request (error pages included).
pub async fn choose(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let lang_cookie = |name: &str| jar.get(name).and_then(|c| Lang::parse(c.value()));
    let link = lang_cookie(cookies::language_name(&state));
    let kept = lang_cookie(cookies::ui_locales_name(&state));
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language);
    // An authorization request may be POSTed (OIDC Core 3.1.2.1); its body's ui_locales is
    // noted by the endpoint, which reads the body (i18n::note_ui_locales).
    let authorize = req.uri().path() == "/authorize" && matches!(*req.method(), Method::GET | Method::POST);
    let asked = if authorize { query_param(req.uri().query(), "ui_locales").and_then(|v| Lang::from_ui_locales(&v)) } else { None };
    let choice = Choice {
        ui_locales: if authorize { asked } else { kept },
        saved: None,
        cookie: link,
        accept,
        default: state.settings.ui.default_lang(),
    };
    let here = here_later(&state, &req);
    let (mut res, known) = i18n::scope_lazy(choice, here, next.run(req)).await;
    // A refused request (a malformed ui_locales among others) changes nothing for the sign-in.
    if authorize && !res.status().is_client_error() {
        // What the request asked for, or its pushed request (PAR) did.
        let cookie = match known.ui_locales {
            Some(lang) => {
                Some(cookies::build(&state, cookies::ui_locales_name(&state), lang.code().to_owned(), Some(UI_LOCALES_COOKIE_SECS)))
            }
            None if kept.is_some() => Some(cookies::removal(&state, cookies::ui_locales_name(&state))),
            None => None,
        };
        if let Some(v) = cookie.and_then(|c| HeaderValue::from_str(&c.to_string()).ok()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::{after_post, returnable};
    use axum::http::HeaderValue;

    #[test]
    fn the_link_after_a_post_returns_to_the_form_on_this_site_only() {
        let issuer = "https://id.example.org";
        let from = |r: &str| after_post(&HeaderValue::from_str(r).unwrap(), issuer);
        assert_eq!(from("https://id.example.org/login?next=%2Faccount"), "/login?next=%2Faccount");
        assert_eq!(from("https://evil.example/login"), "/");
        assert_eq!(from("http://id.example.org/login"), "/");
        assert_eq!(from("not a url"), "/");
    }

    #[test]
    fn the_link_returns_to_this_page_never_off_site() {
        assert_eq!(returnable("/login", None), "/login");
        assert_eq!(returnable("/login", Some("next=%2Faccount%3Fx%3D1")), "/login?next=%2Faccount%3Fx%3D1");
        for bad in ["next=https%3A%2F%2Fevil.example", "next=%2F%2Fevil.example", "next=%2F%5Cevil.example"] {
            let back = returnable("/login", Some(bad));
            assert_eq!(back, "/login?next=%2Faccount", "{bad}");
        }
        // Other parameters are kept as they were; the path itself must be ours.
        assert_eq!(returnable("/login/email/confirm", Some("t=abc")), "/login/email/confirm?t=abc");
        assert_eq!(returnable("//evil.example", None), "/account");
        // An upstream answer is never repeated.
        assert_eq!(returnable("/sso/callback/c1", Some("code=x&state=y&error=access_denied")), "/login");
    }
}
