//! Form bodies with repeated fields (checkbox groups): `application/x-www-form-urlencoded` read
//! into name/value pairs in order.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};

use crate::app::AppState;
use crate::error::AppError;

pub struct Fields(Vec<(String, String)>);

impl FromRequest<AppState> for Fields {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest("Send the form as a web browser does.".into()));
        }
        let body = Bytes::from_request(req, state).await.map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
        Ok(Fields(url::form_urlencoded::parse(&body).into_owned().collect()))
    }
}

impl Fields {
    pub fn empty() -> Self {
        Fields(Vec::new())
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// The first value of `name`, trimmed, or None when empty.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim()).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// Every non-empty value of `name` (checkboxes, multiple selects).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_owned()).collect()
    }

    /// One value per non-empty line of a textarea.
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.get(name).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn csrf(&self) -> &str {
        self.get("csrf")
    }
}

#[cfg(test)]
mod tests {
    use super::Fields;

    #[test]
    fn repeated_and_lines() {
        let f = Fields(url::form_urlencoded::parse(b"p=a&p=b&p=&x=+1+&t=one%0D%0A%0D%0Atwo").into_owned().collect());
        assert_eq!(f.all("p"), vec!["a", "b"]);
        assert_eq!(f.opt("x").as_deref(), Some("1"));
        assert_eq!(f.opt("missing"), None);
        assert_eq!(f.lines("t"), vec!["one", "two"]);
    }
}
