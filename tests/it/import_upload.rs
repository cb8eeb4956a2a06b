//! The admin import page's file upload: a chosen file is checked (dry run) and then imported
//! without choosing it again, the checked text carried with a tag tied to the session and the
//! organisation; too large, wrongly encoded or wrong kinds of file are refused with a message on
//! the page; the CSRF token is checked in a multipart body too; and an organisation's
//! administrator cannot import into another organisation.

use stile::email::Email;
use stile::store;

use crate::admin_ui::{PW, council_with_admin};
use crate::both;
use crate::harness::{Backend, TestApp, csrf_in, location};

const BOUNDARY: &str = "stile-test-boundary-7MA4YWxkTrZu0gW";
const HEADER: &str = "name,email,from_body,passwordhash,roles,permissions";

enum Part<'a> {
    Text(&'a str, &'a str),
    File { filename: &'a str, content_type: &'a str, bytes: &'a [u8] },
}

/// A multipart/form-data body as a browser builds it (the file part is named `file`).
fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
                out.extend_from_slice(value.as_bytes());
            }
            Part::File { filename, content_type, bytes } => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(bytes);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

async fn post(app: &TestApp, c: &reqwest::Client, body: &str, parts: &[Part<'_>]) -> reqwest::Response {
    c.post(app.url(&format!("/admin/bodies/{body}/import")))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart(parts))
        .send()
        .await
        .unwrap()
}

async fn signed_in(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let c = app.browser();
    let r = app.sign_in_next(&c, email, PW, "/admin").await;
    assert_eq!(r.status(), 303, "{email} signs in");
    let page = c.get(app.url("/admin/bodies/camden/import")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).unwrap();
    (c, csrf)
}

/// The value of the hidden input `name` on the page, unescaped.
fn hidden(page: &str, name: &str) -> Option<String> {
    let start = page.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let len = page.get(start..)?.find('"')?;
    let raw = page.get(start..start + len)?;
    Some(
        raw.replace("&#10;", "\n")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#34;", "\"")
            .replace("&#x27;", "'")
            .replace("&amp;", "&"),
    )
}

async fn exists(app: &TestApp, email: &str) -> bool {
    store::users::by_email(&app.state.db, &Email::parse(email).unwrap()).await.unwrap().is_some()
}

async fn kent(app: &TestApp) {
    crate::harness::insert_council(app, "kent", "Kent County Council", Some("kent.example")).await;
}

/// A file is checked, then imported from the carried text with no file chosen; the page offers
/// the upload beside the text box. Text that was not what the dry run checked is not imported.
async fn upload_check_then_import(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let page = c.get(app.url("/admin/bodies/camden/import")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("type=\"file\" id=\"file\" name=\"file\""), "{page}");
    assert!(page.contains("<textarea id=\"csv\""), "the text box stays");

    // As Excel saves "CSV UTF-8": a byte order mark and CRLF line ends.
    let file = format!("\u{feff}{HEADER}\r\nAnn,ann@camden.example,,,,report_inspect\r\n\"Bo, Jr\",bo@camden.example,,,,\r\n");
    let parts = [
        Part::Text("csrf", &csrf),
        Part::File { filename: "users.csv", content_type: "text/csv", bytes: file.as_bytes() },
        Part::Text("csv", ""),
        Part::Text("mode", "check"),
    ];
    let r = post(&app, &c, "camden", &parts).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("2 rows: 2 can be imported, 0 have problems"), "{page}");
    assert!(page.contains("Checked the file users.csv."), "{page}");
    assert!(!exists(&app, "ann@camden.example").await, "a dry run writes nothing");
    let checked = hidden(&page, "checked").expect("the checked text is carried");
    let mac = hidden(&page, "checked_mac").unwrap();
    assert!(checked.starts_with(HEADER) && checked.contains("bo@camden.example"), "{checked}");

    // Changed text with the tag of the checked text: refused, nothing written.
    let forged = format!("{checked}Eve,eve@camden.example,,,,\n");
    let r = post(
        &app,
        &c,
        "camden",
        &[Part::Text("csrf", &csrf), Part::Text("checked", &forged), Part::Text("checked_mac", &mac), Part::Text("mode", "import")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("The checked file could not be confirmed, so nothing was imported."), "{page}");
    assert!(
        page.contains("<a href=\"#file\">") && page.contains("id=\"file-error\""),
        "the summary links to the field, which shows the message"
    );
    assert!(!exists(&app, "eve@camden.example").await && !exists(&app, "ann@camden.example").await);
    let r = post(
        &app,
        &c,
        "camden",
        &[Part::Text("csrf", &csrf), Part::Text("checked", &checked), Part::Text("checked_mac", "AAAA"), Part::Text("mode", "import")],
    )
    .await;
    assert_eq!(r.status(), 422);

    // The browser sends the carried text back with CRLF line ends: still the checked text.
    let crlf = checked.replace('\n', "\r\n");
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::Text("checked", &crlf),
            Part::Text("checked_mac", &mac),
            Part::File { filename: "", content_type: "application/octet-stream", bytes: b"" },
            Part::Text("mode", "import"),
        ],
    )
    .await;
    assert_eq!(location(&r), "/admin/bodies/camden?done=imported");
    assert!(exists(&app, "ann@camden.example").await && exists(&app, "bo@camden.example").await);
    let bo = store::users::by_email(&app.state.db, &Email::parse("bo@camden.example").unwrap()).await.unwrap().unwrap();
    assert_eq!(bo.name, "Bo, Jr");
    assert_eq!(store::memberships::of_user(&app.state.db, &bo.id).await.unwrap()[0].body_id, "camden");

    // The pasted text box works in the same multipart form.
    let pasted = format!("{HEADER}\nCy,cy@camden.example,,,,\n");
    let r = post(&app, &c, "camden", &[Part::Text("csrf", &csrf), Part::Text("csv", &pasted), Part::Text("mode", "check")]).await;
    let page = r.text().await.unwrap();
    assert!(page.contains("1 row: 1 can be imported, 0 have problems"), "{page}");
    assert!(!page.contains("Checked the file"), "{page}");
    app.finish().await;
}
both!(upload_check_then_import);

/// A file over `server.max_import_bytes` gets the import page back with what to do instead,
/// whether its size is declared up front or found while reading; nothing is imported.
#[tokio::test]
async fn upload_too_large() {
    let app = TestApp::start_with(Backend::Sqlite, |s| s.server.max_import_bytes = 4096).await;
    council_with_admin(&app).await;
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let mut big = format!("{HEADER}\n");
    for i in 0..200 {
        big.push_str(&format!("Person {i},person{i}@camden.example,,,,\n"));
    }
    assert!(big.len() > 4096);
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "big.csv", content_type: "text/csv", bytes: big.as_bytes() },
            Part::Text("mode", "check"),
        ],
    )
    .await;
    assert_eq!(r.status(), 413);
    let page = r.text().await.unwrap();
    assert!(page.contains("The file is larger than 4 KB, the most this page takes."), "{page}");
    assert!(page.contains("stile import users FILE") && page.contains("<a href=\"#file\">"), "{page}");
    // Far over: refused on its declared length, before it is read.
    let huge = big.repeat(100);
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "huge.csv", content_type: "text/csv", bytes: huge.as_bytes() },
            Part::Text("mode", "check"),
        ],
    )
    .await;
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("The file is larger than 4 KB"));
    // Pasted, as a plain form: the same.
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", huge.as_str()), ("mode", "check")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("The file is larger than 4 KB"));
    assert!(!exists(&app, "person1@camden.example").await);
    // A file under the limit is still taken.
    let small = format!("{HEADER}\nAnn,ann@camden.example,,,,\n");
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "small.csv", content_type: "text/csv", bytes: small.as_bytes() },
            Part::Text("mode", "check"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    app.finish().await;
}

/// Files that are not UTF-8 CSV text are refused with a message saying what to choose instead.
#[tokio::test]
async fn upload_wrong_files() {
    let app = TestApp::start(Backend::Sqlite).await;
    council_with_admin(&app).await;
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let latin1 = b"name,email,from_body,passwordhash,roles,permissions\nJos\xe9,jose@camden.example,,,,\n".to_vec();
    let nul = format!("{HEADER}\nAnn,ann@camden.example,,,,\n\0\n").into_bytes();
    let utf16: Vec<u8> = [0xff, 0xfe].into_iter().chain("email\n".encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
    let cases: [(&str, &str, &[u8], &str); 5] = [
        ("users.csv", "text/csv", &latin1, "The file is not UTF-8 text (line 2 has a character in another encoding)."),
        ("users.csv", "text/csv", &nul, "line 3 contains a NUL byte"),
        ("users.csv", "text/csv", &utf16, "saved as UTF-16 text"),
        ("users.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04\x14\x00", "spreadsheet workbook"),
        ("photo.png", "image/png", b"\x89PNG\r\n", "The file must be a CSV file"),
    ];
    for (filename, content_type, bytes, says) in cases {
        let r = post(
            &app,
            &c,
            "camden",
            &[Part::Text("csrf", &csrf), Part::File { filename, content_type, bytes }, Part::Text("mode", "check")],
        )
        .await;
        assert_eq!(r.status(), 422, "{filename}");
        let page = r.text().await.unwrap();
        assert!(page.contains(says), "{filename}: {page}");
        assert!(
            page.contains("id=\"file-error\"") && page.contains("aria-invalid=\"true\" aria-describedby=\"file-hint file-error\""),
            "{page}"
        );
        assert!(!page.contains("name=\"checked\""), "nothing to import");
    }
    // A file and pasted text: which one is meant is not guessed.
    let good = format!("{HEADER}\nAnn,ann@camden.example,,,,\n");
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "a.csv", content_type: "text/csv", bytes: good.as_bytes() },
            Part::Text("csv", &good),
            Part::Text("mode", "check"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose a file or paste the CSV into the text box, not both."));
    // Neither.
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "", content_type: "application/octet-stream", bytes: b"" },
            Part::Text("csv", " "),
            Part::Text("mode", "check"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose a CSV file, or paste its contents"));
    // A NUL in the pasted text of a multipart form: refused as in a plain form.
    let r = post(&app, &c, "camden", &[Part::Text("csrf", &csrf), Part::Text("csv", "email\n\0"), Part::Text("mode", "check")]).await;
    assert_eq!(r.status(), 400);
    // A file with a bad header row: the import's own message, on the file field.
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "a.csv", content_type: "text/csv", bytes: b"email,password\na@camden.example,x\n" },
            Part::Text("mode", "check"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Unknown column") && page.contains("password"), "{page}");
    assert!(!exists(&app, "ann@camden.example").await && !exists(&app, "jose@camden.example").await);
    app.finish().await;
}

/// The CSRF token is checked in a multipart body: missing, wrong or another browser's, the
/// request is refused and nothing is imported (nor checked).
#[tokio::test]
async fn upload_forged_csrf() {
    let app = TestApp::start(Backend::Sqlite).await;
    council_with_admin(&app).await;
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let other = app.browser();
    let page = other.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let others = csrf_in(&page).unwrap();
    assert_ne!(others, csrf);
    let file = format!("{HEADER}\nAnn,ann@camden.example,,,,\n");
    for token in [None, Some(""), Some("x".repeat(43).as_str()), Some(others.as_str())] {
        let mut parts = Vec::new();
        if let Some(t) = token {
            parts.push(Part::Text("csrf", t));
        }
        parts.push(Part::File { filename: "a.csv", content_type: "text/csv", bytes: file.as_bytes() });
        parts.push(Part::Text("mode", "import"));
        let r = post(&app, &c, "camden", &parts).await;
        assert_eq!(r.status(), 403, "{token:?}");
        assert!(r.text().await.unwrap().contains("This form has expired"));
    }
    // The token twice (a second one appended after the real one): not read as either.
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::Text("csrf", &others),
            Part::File { filename: "a.csv", content_type: "text/csv", bytes: file.as_bytes() },
            Part::Text("mode", "import"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(!exists(&app, "ann@camden.example").await);
    // With the right token the same request imports.
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "a.csv", content_type: "text/csv", bytes: file.as_bytes() },
            Part::Text("mode", "import"),
        ],
    )
    .await;
    assert_eq!(location(&r), "/admin/bodies/camden?done=imported");
    assert!(exists(&app, "ann@camden.example").await);
    app.finish().await;
}

/// An organisation's administrator cannot import into another organisation: not by its page,
/// not by naming it in the file, not with text checked for their own organisation, and a checked
/// text's tag does not carry over to another session.
async fn upload_into_another_organisation(b: Backend) {
    let app = TestApp::start(b).await;
    council_with_admin(&app).await;
    kent(&app).await;
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let r = c.get(app.url("/admin/bodies/kent/import")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let kent_file = format!("{HEADER}\nKim,kim@kent.example,,,,\n");
    let parts = [
        Part::Text("csrf", &csrf),
        Part::File { filename: "k.csv", content_type: "text/csv", bytes: kent_file.as_bytes() },
        Part::Text("mode", "import"),
    ];
    let r = post(&app, &c, "kent", &parts).await;
    assert_eq!(r.status(), 403);
    assert!(!exists(&app, "kim@kent.example").await);

    // Into their own organisation, a row naming the other one is refused.
    let naming = format!("{HEADER}\nKim,kim@camden.example,kent,,,\n");
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "k.csv", content_type: "text/csv", bytes: naming.as_bytes() },
            Part::Text("mode", "check"),
        ],
    )
    .await;
    let page = r.text().await.unwrap();
    assert!(page.contains("1 row: 0 can be imported, 1 has problems"), "{page}");
    // In the UI's words, as a sentence (the command line's reason starts in lower case).
    assert!(
        page.contains("<td>This import is into Camden Council; the row names another organisation (Kent County Council).</td>"),
        "{page}"
    );
    assert!(!page.contains("name=\"checked\""));

    // Text checked for Camden, with its tag, posted to Kent: refused before it is read as a check.
    let own = format!("{HEADER}\nAnn,ann@camden.example,,,,\n");
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("csrf", &csrf),
            Part::File { filename: "a.csv", content_type: "text/csv", bytes: own.as_bytes() },
            Part::Text("mode", "check"),
        ],
    )
    .await;
    let page = r.text().await.unwrap();
    let (checked, mac) = (hidden(&page, "checked").unwrap(), hidden(&page, "checked_mac").unwrap());
    let r = post(
        &app,
        &c,
        "kent",
        &[Part::Text("csrf", &csrf), Part::Text("checked", &checked), Part::Text("checked_mac", &mac), Part::Text("mode", "import")],
    )
    .await;
    assert_eq!(r.status(), 403);

    // The same administrator in another browser (another session) cannot use that tag.
    let (c2, csrf2) = signed_in(&app, "admin@camden.example").await;
    let r = post(
        &app,
        &c2,
        "camden",
        &[Part::Text("csrf", &csrf2), Part::Text("checked", &checked), Part::Text("checked_mac", &mac), Part::Text("mode", "import")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(!exists(&app, "ann@camden.example").await);
    // The session that checked it can.
    let r = post(
        &app,
        &c,
        "camden",
        &[Part::Text("csrf", &csrf), Part::Text("checked", &checked), Part::Text("checked_mac", &mac), Part::Text("mode", "import")],
    )
    .await;
    assert_eq!(location(&r), "/admin/bodies/camden?done=imported");
    assert!(exists(&app, "ann@camden.example").await && !exists(&app, "kim@kent.example").await);
    app.finish().await;
}
both!(upload_into_another_organisation);

/// Only the form's own fields are read from a multipart body: a part with another name (or none)
/// is refused before the token is checked or anything imported. Each part's name used to be
/// remembered in a list searched once per part, so a body of a few hundred thousand tiny parts
/// with distinct names (well within the import limit) held a core for minutes.
#[tokio::test]
async fn upload_unknown_fields_refused() {
    let app = TestApp::start(Backend::Sqlite).await;
    council_with_admin(&app).await;
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let file = format!("{HEADER}\nAnn,ann@camden.example,,,,\n");
    let names: Vec<String> = (0..2000).map(|i| format!("f{i}")).collect();
    for extra in [vec!["x"], vec![""], names.iter().map(String::as_str).collect::<Vec<_>>()] {
        let mut parts = vec![
            Part::Text("csrf", &csrf),
            Part::File { filename: "a.csv", content_type: "text/csv", bytes: file.as_bytes() },
            Part::Text("mode", "import"),
        ];
        parts.extend(extra.iter().map(|n| Part::Text(n, "1")));
        let r = post(&app, &c, "camden", &parts).await;
        assert_eq!(r.status(), 400, "{:?}", extra.first());
        assert!(r.text().await.unwrap().contains("The form could not be read."));
    }
    assert!(!exists(&app, "ann@camden.example").await);
    // The form's own fields, in any order, are read as before.
    let r = post(
        &app,
        &c,
        "camden",
        &[
            Part::Text("mode", "import"),
            Part::Text("csv", ""),
            Part::File { filename: "a.csv", content_type: "text/csv", bytes: file.as_bytes() },
            Part::Text("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(location(&r), "/admin/bodies/camden?done=imported");
    assert!(exists(&app, "ann@camden.example").await);
    app.finish().await;
}

/// Someone who may not see the organisation is refused before their upload is read: another
/// organisation's administrator, and a member who administers nothing, get the refusal whatever
/// the body holds (it used to be read, up to the import limit, and parsed first: a body no
/// browser sends was answered 400).
#[tokio::test]
async fn upload_refused_before_reading() {
    let app = TestApp::start(Backend::Sqlite).await;
    council_with_admin(&app).await;
    kent(&app).await;
    let (admin, csrf) = signed_in(&app, "admin@camden.example").await;
    let member = app.create_user("mo@camden.example", Some(PW)).await;
    store::memberships::add(&app.state.db, "m-mo", &member.id, "camden", app.state.now()).await.unwrap();
    let plain = app.browser();
    assert_eq!(app.sign_in(&plain, "mo@camden.example", PW).await.status(), 303);
    for (c, body) in [(&admin, "kent"), (&plain, "camden"), (&plain, "kent")] {
        let r = c
            .post(app.url(&format!("/admin/bodies/{body}/import")))
            .header("content-type", "text/plain")
            .body(format!("csrf={csrf}&csv=unread"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{body}");
        assert!(!r.text().await.unwrap().contains("Send the form as a web browser does."));
    }
    // The organisation's administrator sending the same body is told what is wrong with it.
    let r = admin
        .post(app.url("/admin/bodies/camden/import"))
        .header("content-type", "text/plain")
        .body(format!("csrf={csrf}&csv=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.finish().await;
}

/// The import routes take bodies larger than the site-wide limit, so nobody's body is buffered
/// before their sign-in is checked: the page's body is read by the page after the sign-in (a
/// signed-out request with a NUL byte in its form is sent to sign in, not told about the byte),
/// and the API's is cut off at the import limit before the input check reads it (a JSON body
/// far over it is 413, not buffered whole and then refused as unsigned). The page still refuses
/// a NUL byte in a plain form.
#[tokio::test]
async fn upload_bodies_not_buffered_before_sign_in() {
    let app = TestApp::start_with(Backend::Sqlite, |s| s.server.max_import_bytes = 4096).await;
    council_with_admin(&app).await;
    let anon = app.browser();
    let r = anon
        .post(app.url("/admin/bodies/camden/import"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=x&csv=a%00b")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sent to sign in");
    let big = format!("{{\"csv\":\"{}\"}}", "a".repeat(100_000));
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/bodies/camden/import"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&mode=check&csv=email%0Aa%00b%40camden.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("control character"));
    app.finish().await;
}

/// At most `IMPORT_SLOTS` imports are read at once, on the page and the API together: beyond
/// them a request is answered 503 with Retry-After before its body is read or its sender
/// checked, and nothing is imported; once a slot is free the same request goes through.
#[tokio::test]
async fn imports_beyond_the_slots_wait() {
    let app = TestApp::start(Backend::Sqlite).await;
    council_with_admin(&app).await;
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let send = || {
        c.post(app.url("/admin/bodies/camden/import"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&mode=import&csv=name%2Cemail%0AKay%2Ckay%40camden.example"))
            .send()
    };
    let held = app.state.import_slots.clone().acquire_many_owned(stile::app::IMPORT_SLOTS as u32).await.unwrap();
    let r = send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers().get("retry-after").unwrap(), "30");
    assert!(r.text().await.unwrap().contains("Other imports are running"));
    let api = reqwest::Client::new()
        .post(app.url("/api/v1/bodies/camden/import"))
        .header("content-type", "application/json")
        .body("{\"csv\":\"name,email\\nKay,kay@camden.example\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 503);
    assert!(api.headers().get("retry-after").is_some());
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(!exists(&app, "kay@camden.example").await, "nothing imported while busy");
    drop(held);
    let r = send().await.unwrap();
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    assert!(exists(&app, "kay@camden.example").await, "imported once a slot is free");
    app.finish().await;
}

/// The plain form is checked on its raw bytes, as the site-wide input check does: invalid UTF-8
/// is refused, not turned into replacement characters and imported.
#[tokio::test]
async fn plain_form_with_invalid_utf8_refused() {
    let app = TestApp::start(Backend::Sqlite).await;
    council_with_admin(&app).await;
    let (c, csrf) = signed_in(&app, "admin@camden.example").await;
    let r = c
        .post(app.url("/admin/bodies/camden/import"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&mode=import&csv=name%2Cemail%0AKay%2Ck%FFay%40camden.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("not valid UTF-8"));
    // Nothing imported, under any spelling (U+FFFD in an address is refused anyway).
    let imported: i64 = sqlx::query_scalar("select count(*) from users where email like 'k%ay@camden.example'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(imported, 0);
    app.finish().await;
}
