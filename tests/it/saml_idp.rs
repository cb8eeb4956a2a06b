//! A real SAML identity provider for the tests: `tests/saml_idp.py` (pysaml2 with xmlsec1) on a
//! random port, killed when dropped.

use serde_json::Value;
use tempfile::TempDir;

use crate::harness::{field_in, free_port};

pub struct SamlIdp {
    pub base: String,
    _dir: TempDir,
    child: std::process::Child,
    http: reqwest::Client,
}

impl SamlIdp {
    pub async fn start() -> Self {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        crate::harness::outside_peer("Python");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/saml_idp.py");
        let mut child = std::process::Command::new("python3")
            .args([script, "--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 must be installed with pysaml2 (pip install -r tests/requirements.txt) and xmlsec1");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        for _ in 0..400 {
            if http.get(format!("{base}/last-request")).send().await.is_ok() {
                return SamlIdp { base, _dir: dir, child, http };
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the SAML IdP exited ({status}); are pysaml2 and xmlsec1 installed?");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the SAML IdP did not start on port {port}");
    }

    pub fn metadata_url(&self) -> String {
        format!("{}/metadata", self.base)
    }

    pub async fn metadata(&self) -> String {
        let res = self.http.get(self.metadata_url()).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    }

    pub async fn set_sp_metadata(&self, xml: &str) {
        let res = self.http.post(format!("{}/sp-metadata", self.base)).body(xml.to_owned()).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    /// Who signs in next and how the IdP answers (see NEXT_DEFAULTS in the script).
    pub async fn set_next(&self, next: Value) {
        let res = self.http.post(format!("{}/next", self.base)).body(next.to_string()).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    /// A response built and signed by the IdP (xmlsec1) from `params`, as XML.
    pub async fn forge(&self, params: Value) -> String {
        let res = self.http.post(format!("{}/forge", self.base)).body(params.to_string()).send().await.unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "forge {params}: {body}");
        body
    }

    /// The certificate (PEM) of the IdP's ECDSA P-256 test key.
    pub async fn ec_cert(&self) -> String {
        self.http.get(format!("{}/ec-cert", self.base)).send().await.unwrap().text().await.unwrap()
    }

    pub async fn last_request(&self) -> Value {
        self.http.get(format!("{}/last-request", self.base)).send().await.unwrap().json().await.unwrap()
    }

    /// Follows an AuthnRequest redirect URL to the IdP; returns the auto-post form's action,
    /// SAMLResponse and RelayState.
    pub async fn answer(&self, redirect_url: &str) -> (String, String, String) {
        assert!(redirect_url.starts_with(&self.base), "{redirect_url} does not go to the IdP");
        let res = self.http.get(redirect_url).send().await.unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "IdP refused the request: {body}");
        let action = body.split("action=\"").nth(1).unwrap().split('"').next().unwrap();
        (crate::harness::html_unescape(action), field_in(&body, "SAMLResponse").unwrap(), field_in(&body, "RelayState").unwrap_or_default())
    }
}

impl Drop for SamlIdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
