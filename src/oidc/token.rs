//! The token endpoint: authorization_code, refresh_token, client_credentials, read into one
//! `TokenRequest` and dispatched on it.

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::client_auth::{Params, authenticate};
use super::dpop_proof;
use super::paths;
use crate::app::AppState;
use crate::clients::GrantType;
use crate::error::OAuthError;
use crate::tokens::grants::{self, GrantError};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::TOKEN, post(token))
}

pub fn form_params(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request("the body must be application/x-www-form-urlencoded"));
    }
    Ok(Params(parse_form(body)))
}

/// `application/x-www-form-urlencoded` pairs, as `form_urlencoded::parse` reads them (`+` is a
/// space, percent escapes decoded, invalid UTF-8 replaced). A pair with nothing to decode (a
/// token, a client id) is copied as it is rather than decoded byte by byte.
fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            if pair.iter().any(|b| matches!(b, b'%' | b'+')) {
                url::form_urlencoded::parse(pair).next().map(|(k, v)| (k.into_owned(), v.into_owned())).unwrap_or_default()
            } else {
                let (k, v) = match pair.iter().position(|b| *b == b'=') {
                    Some(i) => (pair.get(..i).unwrap_or_default(), pair.get(i + 1..).unwrap_or_default()),
                    None => (pair, &[][..]),
                };
                (String::from_utf8_lossy(k).into_owned(), String::from_utf8_lossy(v).into_owned())
            }
        })
        .collect()
}

fn map(e: GrantError) -> OAuthError {
    match e {
        GrantError::InvalidGrant(d) => OAuthError::invalid_grant(d),
        GrantError::InvalidScope(d) => OAuthError::new(StatusCode::BAD_REQUEST, "invalid_scope", d),
        GrantError::UnauthorizedClient(d) => OAuthError::new(StatusCode::BAD_REQUEST, "unauthorized_client", d),
        other => OAuthError::server_error(&other),
    }
}

/// A token request's grant, read from the form once: the grant type with the fields it needs.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenRequest<'a> {
    AuthorizationCode { code: &'a str, redirect_uri: Option<&'a str>, code_verifier: Option<&'a str> },
    RefreshToken { refresh_token: &'a str, scope: Option<&'a str> },
    ClientCredentials { scope: Option<&'a str> },
}

/// Why a form is not a token request (RFC 6749 §5.2). Each is reported at the point the endpoint
/// has always reported it: a missing grant_type before the client is authenticated, an unknown one
/// after, and a missing or repeated field only once the client may use the grant.
#[derive(Debug)]
pub enum Malformed {
    GrantType(OAuthError),
    Unsupported,
    Field(GrantType, OAuthError),
}

impl From<Malformed> for OAuthError {
    fn from(m: Malformed) -> Self {
        match m {
            Malformed::GrantType(e) | Malformed::Field(_, e) => e,
            Malformed::Unsupported => OAuthError::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", "the grant_type is not supported"),
        }
    }
}

impl<'a> TokenRequest<'a> {
    pub fn parse(p: &'a Params) -> Result<Self, Malformed> {
        let grant = p.require("grant_type").map_err(Malformed::GrantType)?;
        let grant = GrantType::parse(grant).ok_or(Malformed::Unsupported)?;
        let field = |e| Malformed::Field(grant, e);
        Ok(match grant {
            GrantType::AuthorizationCode => TokenRequest::AuthorizationCode {
                code: p.require("code").map_err(field)?,
                redirect_uri: p.get("redirect_uri").map_err(field)?,
                code_verifier: p.get("code_verifier").map_err(field)?,
            },
            GrantType::RefreshToken => TokenRequest::RefreshToken {
                refresh_token: p.require("refresh_token").map_err(field)?,
                scope: p.get("scope").map_err(field)?,
            },
            GrantType::ClientCredentials => TokenRequest::ClientCredentials { scope: p.get("scope").map_err(field)? },
        })
    }

    pub fn grant_type(&self) -> GrantType {
        match self {
            TokenRequest::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            TokenRequest::RefreshToken { .. } => GrantType::RefreshToken,
            TokenRequest::ClientCredentials { .. } => GrantType::ClientCredentials,
        }
    }
}

#[tracing::instrument(skip_all, fields(client_id))]
async fn token(State(state): State<AppState>, headers: HeaderMap, RawForm(body): RawForm) -> Result<Response, OAuthError> {
    let p = form_params(&headers, &body)?;
    let request = match TokenRequest::parse(&p) {
        Err(Malformed::GrantType(e)) => return Err(e),
        request => request,
    };
    let client = authenticate(&state, &headers, &p, true, paths::TOKEN).await?;
    tracing::Span::current().record("client_id", client.id.as_str());
    let grant = match &request {
        Ok(r) => r.grant_type(),
        Err(Malformed::Field(grant, _)) => *grant,
        // A missing grant_type has already been answered above.
        Err(Malformed::GrantType(_) | Malformed::Unsupported) => return Err(Malformed::Unsupported.into()),
    };
    if !client.allows_grant(grant) {
        return Err(OAuthError::new(StatusCode::BAD_REQUEST, "unauthorized_client", "this client may not use that grant_type"));
    }
    let request = request?;
    // RFC 9449: a proof binds the tokens issued now to its key.
    let jkt = dpop_proof::check(&state, &headers, "POST", paths::TOKEN, None).await?;
    if client.require_dpop && jkt.is_none() {
        return Err(OAuthError::new(StatusCode::BAD_REQUEST, "invalid_dpop_proof", "this client must send a DPoP proof"));
    }
    let jkt = jkt.as_deref();
    let res = match request {
        TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier } => {
            grants::redeem_code(&state, &client, code, redirect_uri, code_verifier, jkt).await
        }
        TokenRequest::RefreshToken { refresh_token, scope } => grants::refresh(&state, &client, refresh_token, scope, jkt).await,
        TokenRequest::ClientCredentials { scope } => grants::client_credentials(&state, &client, scope, jkt).await,
    }
    .map_err(map)?;
    state.metrics.token_issued(grant.as_str());
    let mut r = token_json(&res)?;
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(r)
}

/// The token response as JSON, in a buffer sized for its tokens once (`axum::Json` starts at
/// 128 bytes and grows several times around one).
fn token_json(res: &grants::TokenResponse) -> Result<Response, OAuthError> {
    let tokens = [Some(&res.access_token), res.refresh_token.as_ref(), res.id_token.as_ref()];
    let mut body = Vec::with_capacity(tokens.iter().flatten().map(|t| t.len()).sum::<usize>() + res.scope.len() + 160);
    serde_json::to_writer(&mut body, res).map_err(|e| OAuthError::server_error(&e))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(form: &str) -> Params {
        Params(url::form_urlencoded::parse(form.as_bytes()).into_owned().collect())
    }

    fn refused(form: &str) -> (Option<GrantType>, &'static str, String) {
        match TokenRequest::parse(&params(form)) {
            Ok(r) => panic!("{form} parsed as {r:?}"),
            Err(Malformed::GrantType(e)) => (None, e.code, e.description),
            Err(Malformed::Field(g, e)) => (Some(g), e.code, e.description),
            Err(m @ Malformed::Unsupported) => (None, OAuthError::from(m).code, "unsupported".into()),
        }
    }

    #[test]
    fn forms_read_as_form_urlencoded_reads_them() {
        for form in [
            "grant_type=client_credentials&scope=api.read",
            "a=1&&b=&c&=d&e==f",
            "redirect_uri=https%3A%2F%2Fapp%2Fcb&state=a+b&x=%FF%2B",
            "token=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln&token_type_hint=access_token",
            "caf\u{e9}=th\u{e9}",
        ] {
            let want: Vec<(String, String)> = url::form_urlencoded::parse(form.as_bytes()).into_owned().collect();
            assert_eq!(parse_form(form.as_bytes()), want, "{form}");
        }
        assert_eq!(parse_form(b"a=\xFF"), vec![("a".to_owned(), "\u{FFFD}".to_owned())]);
    }

    #[test]
    fn each_grant_with_its_fields() {
        let p = params("grant_type=authorization_code&code=c1&redirect_uri=https%3A%2F%2Fapp%2Fcb&code_verifier=v");
        assert_eq!(
            TokenRequest::parse(&p).unwrap(),
            TokenRequest::AuthorizationCode { code: "c1", redirect_uri: Some("https://app/cb"), code_verifier: Some("v") }
        );
        let p = params("grant_type=authorization_code&code=c1&redirect_uri=");
        assert_eq!(
            TokenRequest::parse(&p).unwrap(),
            TokenRequest::AuthorizationCode { code: "c1", redirect_uri: None, code_verifier: None }
        );
        let p = params("grant_type=refresh_token&refresh_token=r&scope=openid");
        assert_eq!(TokenRequest::parse(&p).unwrap(), TokenRequest::RefreshToken { refresh_token: "r", scope: Some("openid") });
        let p = params("grant_type=client_credentials");
        let r = TokenRequest::parse(&p).unwrap();
        assert_eq!(r, TokenRequest::ClientCredentials { scope: None });
        assert_eq!(r.grant_type(), GrantType::ClientCredentials);
    }

    #[test]
    fn missing_unknown_and_repeated() {
        assert_eq!(refused("code=c1"), (None, "invalid_request", "the grant_type parameter is missing".into()));
        assert_eq!(refused("grant_type="), (None, "invalid_request", "the grant_type parameter is missing".into()));
        assert_eq!(
            refused("grant_type=refresh_token&grant_type=refresh_token"),
            (None, "invalid_request", "the grant_type parameter is included more than once".into())
        );
        assert_eq!(refused("grant_type=password&username=a").1, "unsupported_grant_type");
        assert_eq!(refused("grant_type=Authorization_Code&code=c").1, "unsupported_grant_type");
        assert_eq!(
            refused("grant_type=authorization_code"),
            (Some(GrantType::AuthorizationCode), "invalid_request", "the code parameter is missing".into())
        );
        assert_eq!(
            refused("grant_type=authorization_code&code=a&redirect_uri=x&redirect_uri=y"),
            (Some(GrantType::AuthorizationCode), "invalid_request", "the redirect_uri parameter is included more than once".into())
        );
        assert_eq!(
            refused("grant_type=refresh_token&scope=openid"),
            (Some(GrantType::RefreshToken), "invalid_request", "the refresh_token parameter is missing".into())
        );
        assert_eq!(
            refused("grant_type=client_credentials&scope=a&scope=b"),
            (Some(GrantType::ClientCredentials), "invalid_request", "the scope parameter is included more than once".into())
        );
    }
}
