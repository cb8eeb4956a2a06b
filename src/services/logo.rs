//! The deployment's logo (`server.logo_file`), read and checked once at start: a file that is
//! missing, too large or not the image its name says stops the start with a message naming the
//! setting, instead of every page showing a broken image. Served from memory at `/static/logo`.

use std::io::Read;

/// Far more than a header logo needs; bounds what start-up reads and every page may fetch.
pub const MAX_BYTES: u64 = 512 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LogoError {
    #[error("server.logo_file {path:?} cannot be read")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("server.logo_file {path:?} is larger than {MAX_BYTES} bytes")]
    TooLarge { path: String },
    #[error("server.logo_file {path:?} must be a .png, .svg, .jpg, .jpeg or .webp file")]
    Kind { path: String },
    #[error("server.logo_file {path:?} is not a {kind} image")]
    NotImage { path: String, kind: &'static str },
}

/// A checked logo: its bytes and the content type they are served with.
#[derive(Debug)]
pub struct Logo {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The logo the setting names, or `None` when it is empty.
pub fn load(setting: &str) -> Result<Option<Logo>, LogoError> {
    let path = setting.trim();
    if path.is_empty() {
        return Ok(None);
    }
    let ext = std::path::Path::new(path).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let (content_type, kind) = match ext.as_deref() {
        Some("png") => ("image/png", "PNG"),
        Some("svg") => ("image/svg+xml", "SVG"),
        Some("jpg" | "jpeg") => ("image/jpeg", "JPEG"),
        Some("webp") => ("image/webp", "WebP"),
        _ => return Err(LogoError::Kind { path: path.to_owned() }),
    };
    let read_err = |source| LogoError::Read { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    // One byte more than allowed tells a file that is too large without reading all of it.
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(read_err)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_BYTES {
        return Err(LogoError::TooLarge { path: path.to_owned() });
    }
    if !looks_like(kind, &bytes) {
        return Err(LogoError::NotImage { path: path.to_owned(), kind });
    }
    Ok(Some(Logo { content_type, bytes }))
}

/// The file's first bytes match its kind (the signatures of PNG, JPEG and WebP; an SVG is
/// UTF-8 text with an `<svg` element).
fn looks_like(kind: &str, b: &[u8]) -> bool {
    match kind {
        "PNG" => b.starts_with(b"\x89PNG\r\n\x1a\n"),
        "JPEG" => b.starts_with(&[0xFF, 0xD8, 0xFF]),
        "WebP" => b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP".as_slice()),
        "SVG" => std::str::from_utf8(b).is_ok_and(|t| t.contains("<svg")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, content: &[u8]) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        (dir, path.to_str().unwrap().to_owned())
    }

    #[test]
    fn empty_setting_is_no_logo() {
        assert!(load("").unwrap().is_none());
        assert!(load("  ").unwrap().is_none());
    }

    #[test]
    fn each_kind_is_read_with_its_type() {
        let webp = [b"RIFF".as_slice(), &[0, 0, 0, 0], b"WEBPVP8 "].concat();
        for (name, content, ctype) in [
            ("a.png", b"\x89PNG\r\n\x1a\nrest".to_vec(), "image/png"),
            ("a.JPG", vec![0xFF, 0xD8, 0xFF, 0xE0], "image/jpeg"),
            ("a.svg", b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(), "image/svg+xml"),
            ("a.webp", webp, "image/webp"),
        ] {
            let (_d, path) = file(name, &content);
            let logo = load(&path).unwrap().unwrap();
            assert_eq!((logo.content_type, logo.bytes), (ctype, content), "{name}");
        }
    }

    #[test]
    fn refusals_name_the_setting() {
        let (_d, gif) = file("a.gif", b"GIF89a");
        assert!(matches!(load(&gif), Err(LogoError::Kind { .. })));
        let (_d, fake) = file("a.png", b"<html>not a picture</html>");
        let e = load(&fake).unwrap_err();
        assert!(matches!(e, LogoError::NotImage { kind: "PNG", .. }), "{e}");
        assert!(e.to_string().starts_with("server.logo_file"), "{e}");
        let (_d, big) = file("big.svg", &vec![b' '; usize::try_from(MAX_BYTES).unwrap() + 1]);
        assert!(matches!(load(&big), Err(LogoError::TooLarge { .. })));
        let (_d, exact) = file("exact.png", &[b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0; usize::try_from(MAX_BYTES).unwrap() - 8]].concat());
        assert!(load(&exact).unwrap().is_some(), "the limit itself is allowed");
        assert!(matches!(load("/nonexistent/logo.png"), Err(LogoError::Read { .. })));
    }
}
