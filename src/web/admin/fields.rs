//! Admin form bodies. `HtmlForm<T>` reads `application/x-www-form-urlencoded` into a form type
//! with serde_html_form, so a field named more than once (a checkbox group, a multiple select)
//! fills a `Vec`; the helpers below give text fields the admin UI's meaning (trimmed, empty as
//! absent, one value a line). `Button` is the form of a button that sends only its CSRF token.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::app::AppState;
use crate::error::AppError;
use crate::web::csrf::FormBody;
use crate::web::say::text;

/// Catalogue key: the form could not be read.
const UNREADABLE: &str = "people-form-unreadable";

/// A form body decoded into `T`.
pub struct HtmlForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for HtmlForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest(text("people-form-as-browser")));
        }
        let body = Bytes::from_request(req, state).await.map_err(|_| AppError::BadRequest(text(UNREADABLE)))?;
        serde_html_form::from_bytes(&body).map(HtmlForm).map_err(|_| AppError::BadRequest(text(UNREADABLE)))
    }
}

impl<T: DeserializeOwned> FormBody for HtmlForm<T> {
    fn unreadable(_: BytesRejection) -> Response {
        AppError::BadRequest(text(UNREADABLE)).into_response()
    }
}

/// Every non-empty value of a repeated field, trimmed (checkboxes, multiple selects).
pub fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let all = Vec::<String>::deserialize(d)?;
    Ok(all.into_iter().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect())
}

/// A text field trimmed, None when empty.
pub fn trimmed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    Ok(v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()))
}

/// A checkbox: present (whatever its value) or not.
pub fn ticked<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<String>::deserialize(d)?.is_some())
}

/// A text field's value trimmed, None when empty.
pub fn nonempty(text: &str) -> Option<String> {
    Some(text.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// One value per non-empty line of a textarea.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// A form the handler reads nothing from but its CSRF token (a button).
#[derive(Deserialize)]
pub struct Button {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_lines() {
        #[derive(Deserialize)]
        struct F {
            #[serde(default, deserialize_with = "values")]
            p: Vec<String>,
            #[serde(default, deserialize_with = "trimmed")]
            x: Option<String>,
            #[serde(default, deserialize_with = "trimmed")]
            missing: Option<String>,
            t: String,
        }
        let f: F = serde_html_form::from_bytes(b"p=a&p=b&p=&x=+1+&t=one%0D%0A%0D%0Atwo").unwrap();
        assert_eq!(f.p, vec!["a", "b"]);
        assert_eq!(f.x.as_deref(), Some("1"));
        assert_eq!(f.missing, None);
        assert_eq!(lines(&f.t), vec!["one", "two"]);
        assert_eq!(nonempty(" a "), Some("a".to_owned()));
        assert_eq!(nonempty(" \t"), None);
        // A button's form: whatever else is sent is not read.
        assert!(serde_html_form::from_bytes::<Button>(b"csrf=x&do=disable").is_ok());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Typed {
        #[serde(default)]
        name: String,
        #[serde(default, deserialize_with = "values")]
        permissions: Vec<String>,
        #[serde(default, deserialize_with = "trimmed")]
        template: Option<String>,
        #[serde(default, deserialize_with = "ticked")]
        mfa_required: bool,
    }

    #[test]
    fn typed_form_with_a_checkbox_group() {
        let t: Typed =
            serde_html_form::from_bytes(b"csrf=x&name=Inspectors&permissions=a&permissions=+b+&permissions=&template=+&mfa_required=1")
                .unwrap();
        assert_eq!(t, Typed { name: "Inspectors".into(), permissions: vec!["a".into(), "b".into()], template: None, mfa_required: true });
        // One value of a group is still a list; nothing sent is an empty one.
        let t: Typed = serde_html_form::from_bytes(b"permissions=a&template=t1").unwrap();
        assert_eq!(t, Typed { name: String::new(), permissions: vec!["a".into()], template: Some("t1".into()), mfa_required: false });
        let t: Typed = serde_html_form::from_bytes(b"").unwrap();
        assert_eq!(t, Typed { name: String::new(), permissions: vec![], template: None, mfa_required: false });
        // A field sent empty is there (a textarea the page offered); one not sent is not.
        #[derive(Deserialize)]
        struct Offered {
            areas: Option<String>,
        }
        assert_eq!(serde_html_form::from_bytes::<Offered>(b"areas=").unwrap().areas.as_deref(), Some(""));
        assert_eq!(serde_html_form::from_bytes::<Offered>(b"roles=a").unwrap().areas, None);
    }
}
