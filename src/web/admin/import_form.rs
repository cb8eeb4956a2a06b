//! The import page's form body. The page sends `multipart/form-data` (so a file can be chosen
//! beside the text box); a plain form (`application/x-www-form-urlencoded`, the pasted CSV only)
//! is read too. Either way the CSRF token is checked before the handler runs, and the body is
//! read with the import limit: a body larger than that is not an error page but
//! [`ImportBody::TooLarge`], so the page can say what to do instead.
//!
//! The body bypasses the site-wide input check (`web::input`, which would buffer a plain form
//! whole before the sign-in is checked; the route is layered with the request line's check
//! only), so every text field is checked here for valid UTF-8 and control characters, and a
//! chosen file by [`file_text`].

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::{Tr, current};
use crate::web::csrf;
use crate::web::say::text;

/// Catalogue key: the form could not be read.
const UNREADABLE: &str = "people-form-unreadable";

/// The names of the import form's fields.
const FIELDS: [&str; 6] = ["csrf", "csv", "file", "mode", "checked", "checked_mac"];

/// A file chosen in the form's file input.
pub struct Upload {
    pub name: String,
    pub content_type: String,
    pub bytes: Bytes,
}

/// What the import form sent.
#[derive(Default)]
pub struct ImportFields {
    /// The text box.
    pub csv: String,
    /// The chosen file, if one was chosen.
    pub file: Option<Upload>,
    /// The button pressed: `check` or `import`.
    pub mode: String,
    /// The content a dry run accepted, carried by the "Import" button, and its tag.
    pub checked: Option<String>,
    pub checked_mac: String,
}

/// The import form's body, its CSRF token checked; or the fact that it was too large to read.
pub enum ImportBody {
    Form(ImportFields),
    TooLarge,
}

/// The most bytes of body read: the import limit on the content, with room for the form's other
/// fields and for a browser sending CRLF line ends where the checked content has LF.
pub fn body_cap(max_import_bytes: usize) -> usize {
    max_import_bytes.saturating_add(max_import_bytes / 8).saturating_add(64 * 1024)
}

impl FromRequest<AppState> for ImportBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let cap = body_cap(state.settings.server.max_import_bytes);
        let (parts, body) = req.into_parts();
        let jar = CookieJar::from_headers(&parts.headers);
        let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > cap as u64) {
            return Ok(ImportBody::TooLarge);
        }
        let ct = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let mime = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let read = match mime.as_str() {
            "multipart/form-data" => read_multipart(ct, body, cap).await,
            "application/x-www-form-urlencoded" => read_plain(body, cap).await,
            _ => return Err(AppError::BadRequest(text("people-form-as-browser")).into_response()),
        };
        let (fields, token) = match read {
            Ok(v) => v,
            Err(Unread::TooLarge) => return Ok(ImportBody::TooLarge),
            Err(Unread::Bad(key)) => return Err(AppError::BadRequest(text(key)).into_response()),
        };
        csrf::verify(state, &jar, &token).map_err(IntoResponse::into_response)?;
        Ok(ImportBody::Form(fields))
    }
}

enum Unread {
    TooLarge,
    /// The catalogue key of what is wrong.
    Bad(&'static str),
}

/// The plain form: what the page sent before it could upload files (and what scripts send).
#[derive(serde::Deserialize)]
struct Plain {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
    #[serde(default)]
    mode: String,
    checked: Option<String>,
    #[serde(default)]
    checked_mac: String,
}

async fn read_plain(body: Body, cap: usize) -> Result<(ImportFields, String), Unread> {
    // A body that cannot be read to the end within the cap is, to the person, one too large.
    let bytes = axum::body::to_bytes(body, cap).await.map_err(|_| Unread::TooLarge)?;
    // Checked here rather than by the site-wide `web::input` layer (which would buffer it before
    // any sign-in check), with the same check, on the raw bytes: decoding first would turn
    // invalid UTF-8 into replacement characters.
    crate::web::input::check_pairs(&bytes, "form", true).map_err(bad_field)?;
    let p: Plain = serde_html_form::from_bytes(&bytes).map_err(|_| Unread::Bad(UNREADABLE))?;
    let fields = ImportFields { csv: p.csv, file: None, mode: p.mode, checked: p.checked, checked_mac: p.checked_mac };
    Ok((fields, p.csrf))
}

async fn read_multipart(content_type: &str, body: Body, cap: usize) -> Result<(ImportFields, String), Unread> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| Unread::Bad(UNREADABLE))?;
    let limits = multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(cap as u64));
    let mut parts = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    let mut f = ImportFields::default();
    let mut token = String::new();
    // Only the form's own fields, each once: a part with any other name is no browser's, and
    // remembering every name sent would let one body of many tiny parts cost time and memory.
    let mut seen = [false; FIELDS.len()];
    while let Some(field) = parts.next_field().await.map_err(unread)? {
        let name = field.name().unwrap_or_default().to_owned();
        let Some(at) = FIELDS.iter().position(|known| *known == name) else { return Err(Unread::Bad(UNREADABLE)) };
        match seen.get_mut(at) {
            Some(s) if !*s => *s = true,
            _ => return Err(Unread::Bad(UNREADABLE)),
        }
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let content_type = field.content_type().map(|m| m.essence_str().to_owned()).unwrap_or_default();
            let bytes = field.bytes().await.map_err(unread)?;
            // A file input with nothing chosen still sends an empty part.
            if !(file_name.is_empty() && bytes.is_empty()) {
                f.file = Some(Upload { name: file_name, content_type, bytes });
            }
            continue;
        }
        let bytes = field.bytes().await.map_err(unread)?;
        let text = field_text(&bytes)?;
        match name.as_str() {
            "csrf" => token = text,
            "csv" => f.csv = text,
            "mode" => f.mode = text,
            "checked" => f.checked = Some(text),
            "checked_mac" => f.checked_mac = text,
            _ => return Err(Unread::Bad(UNREADABLE)),
        }
    }
    Ok((f, token))
}

fn unread(e: multer::Error) -> Unread {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => Unread::TooLarge,
        _ => Unread::Bad(UNREADABLE),
    }
}

/// A text field of the multipart form: what `web::input` would have refused in a plain form is
/// refused here the same way.
fn field_text(bytes: &[u8]) -> Result<String, Unread> {
    crate::web::input::check_text(bytes, || crate::web::input::Place::Field, true).map_err(bad_field)?;
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// The page's words for what `web::input` refuses in a field.
fn bad_field(e: crate::web::input::InputError) -> Unread {
    match e {
        crate::web::input::InputError::NotUtf8 { .. } => Unread::Bad("people-form-not-utf8"),
        _ => Unread::Bad("people-form-control"),
    }
}

/// Line ends as LF: what is checked, tagged and imported is the same text whichever line ends
/// the file had and however the browser sends the carried content back (it sends CRLF).
pub fn normalise_line_ends(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The text of a chosen file, or what is wrong with it in words a person can act on: it must be
/// a CSV (or plain text) file in UTF-8 (a byte order mark is dropped), with no NUL or other
/// control characters. Spreadsheet workbooks and UTF-16 text, what Excel saves by default, are
/// named as such, with what to choose instead.
pub fn file_text(upload: &Upload) -> Result<String, String> {
    let t = Tr::plain(current());
    let save_as = t.get("import-file-save-as").0;
    let name = upload.name.rsplit(['/', '\\']).next().unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let bytes = upload.bytes.as_ref();
    if bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0])
        || lower.ends_with(".xlsx")
        || lower.ends_with(".xls")
    {
        return Err(format!("{} {save_as}", t.get("import-file-workbook")));
    }
    let text_type = matches!(
        upload.content_type.as_str(),
        "" | "text/csv"
            | "text/plain"
            | "application/csv"
            | "text/comma-separated-values"
            | "text/x-csv"
            | "application/vnd.ms-excel"
            | "application/octet-stream"
    );
    if !(lower.ends_with(".csv") || lower.ends_with(".txt")) || !text_type {
        return Err(t.get("import-file-not-csv").0);
    }
    if bytes.is_empty() {
        return Err(t.get("import-file-empty").0);
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(format!("{} {save_as}", t.get("import-file-utf16")));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = line_of(bytes, e.valid_up_to());
            return Err(format!("{} {save_as}", t.msg("import-file-not-utf8").num("line", line)));
        }
    };
    if let Some(at) = text.find(|c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        let line = line_of(bytes, at);
        let key = if text.as_bytes().get(at) == Some(&0) { "import-file-nul" } else { "import-file-control" };
        return Err(t.msg(key).num("line", line).to_string());
    }
    Ok(normalise_line_ends(text.trim_start_matches('\u{feff}')))
}

/// The line number (from 1) of byte `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes.get(..at).unwrap_or(bytes).iter().filter(|b| **b == b'\n').count() + 1
}

/// "16 MB", "500 KB": a size for a person.
pub fn size_words(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB { format!("{} MB", bytes.div_ceil(MB)) } else { format!("{} KB", bytes.div_ceil(1024).max(1)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(name: &str, ct: &str, bytes: &'static [u8]) -> Upload {
        Upload { name: name.into(), content_type: ct.into(), bytes: Bytes::from_static(bytes) }
    }

    #[test]
    fn files_accepted_and_refused() {
        let ok = file_text(&up("users.csv", "text/csv", b"\xef\xbb\xbfemail\r\na@b.example\r\n")).unwrap();
        assert_eq!(ok, "email\na@b.example\n", "BOM dropped, CRLF as LF");
        assert!(file_text(&up("C:\\Users\\ann\\users.CSV", "application/vnd.ms-excel", b"email\n")).is_ok());
        assert!(file_text(&up("users.txt", "", b"email\n")).is_ok());
        let err = |u: Upload| file_text(&u).unwrap_err();
        assert!(
            err(up("users.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04.."))
                .contains("workbook")
        );
        assert!(err(up("users.csv", "text/csv", b"PK\x03\x04..")).contains("workbook"), "a workbook renamed");
        assert!(err(up("photo.png", "image/png", b"\x89PNG")).contains("must be a CSV file"));
        assert!(err(up("users.csv", "image/png", b"email\n")).contains("must be a CSV file"));
        assert!(err(up("users.csv", "text/csv", b"")).contains("empty"));
        assert!(err(up("users.csv", "text/csv", b"\xff\xfee\x00m\x00")).contains("UTF-16"));
        let latin1 = err(up("users.csv", "text/csv", b"name,email\nJos\xe9,j@b.example\n"));
        assert!(latin1.contains("not UTF-8") && latin1.contains("line 2"), "{latin1}");
        let nul = err(up("users.csv", "text/csv", b"email\na@b.example\n\x00\n"));
        assert!(nul.contains("line 3 contains a NUL byte"), "{nul}");
        assert!(err(up("users.csv", "text/csv", b"email\x1b[0m\n")).contains("control character"));
    }

    #[test]
    fn sizes_and_line_ends() {
        assert_eq!(size_words(16 * 1024 * 1024), "16 MB");
        assert_eq!(size_words(2000), "2 KB");
        assert_eq!(normalise_line_ends("a\r\nb\rc\n"), "a\nb\nc\n");
        assert!(body_cap(100) > 100);
    }
}
