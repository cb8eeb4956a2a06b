//! What the command line prints for a person or a log: `stile client list` keeps its columns
//! lined up with 32-character ids, and the log on standard error has no colour codes when it is
//! not a terminal (a file, a pipe, the journal).

use std::process::Stdio;

use crate::cli::{Cli, err, ok};
use crate::harness::Backend;

/// The byte offsets where each column after the first starts in the header line.
fn column_starts(header: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let b = header.as_bytes();
    for i in 1..b.len() {
        if b[i] != b' ' && b[i - 1] == b' ' {
            starts.push(i);
        }
    }
    starts
}

#[tokio::test]
async fn client_list_columns_line_up() {
    let cli = Cli::new(Backend::Sqlite).await;
    let o = ok(cli.run(&["client", "add", "FixMyStreet", "--redirect-uri", "https://fms.example.org/cb", "--json"]));
    let v: serde_json::Value = serde_json::from_str(o.trim()).unwrap();
    let long = v["client_id"].as_str().unwrap().to_owned();
    assert_eq!(long.len(), 32, "a generated id");
    ok(cli.run(&["client", "add", "Permits", "--redirect-uri", "https://permits.example.org/cb", "--id", "pmt"]));
    let list = ok(cli.run(&["client", "list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    let starts = column_starts(lines[0]);
    assert_eq!(starts.len(), 4, "NAME, AUTH, GRANTS, FLAGS: {list}");
    for row in &lines[1..] {
        for &at in &starts[..2] {
            // Each column starts where its heading does, after a gap of at least two spaces.
            assert_eq!(row.get(at - 2..at), Some("  "), "{list}");
            assert_ne!(row.as_bytes()[at], b' ', "{list}");
        }
    }
    assert!(lines.iter().any(|l| l.starts_with(&long)) && lines.iter().any(|l| l.starts_with("pmt ")), "{list}");
}

#[tokio::test]
async fn log_has_no_colour_codes_off_a_terminal() {
    let cli = Cli::new(Backend::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    // At debug level each request is logged (the trace layer), so there is a log to look at;
    // standard error is a pipe here, as it is for a service manager or `2>file`.
    let child = cli
        .cmd(&["serve"])
        .env("STILE__LOG__FILTER", "debug")
        .env("STILE__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("STILE__SERVER__ISSUER", &base)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..300 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = reqwest::get(format!("{base}/nope")).await;
    let mut child = child;
    child.kill().unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(up, "the server answered");
    let log = err(&o);
    assert!(log.contains("/healthz"), "requests are logged: {log}");
    assert!(!log.contains('\u{1b}'), "no colour codes: {log}");
}

/// Every command that prints, with its output closed before it writes (as `| head -1` does once
/// it has its line): it ends quietly with status 0, not with a panic or an error message.
#[tokio::test]
async fn listings_into_a_closed_pipe_exit_quietly() {
    let cli = Cli::new(Backend::Sqlite).await;
    ok(cli.run(&["migrate"]));
    ok(cli.run_with_stdin(&["createsuperuser", "root@example.org", "--name", "Root", "--password-stdin"], "a long enough password\n"));
    ok(cli.run(&["body", "add", "Camden", "--kind", "council"]));
    ok(cli.run(&["client", "add", "FixMyStreet", "--redirect-uri", "https://fms.example.org/cb"]));
    let listings: &[&[&str]] = &[
        &["user", "list"],
        &["body", "list"],
        &["member", "list", "Camden"],
        &["client", "list"],
        &["connection", "list"],
        &["connection", "list", "--json"],
        &["keys", "list"],
        &["audit", "list"],
        &["audit", "list", "--csv"],
        &["export", "body", "Camden"],
    ];
    for args in listings {
        let mut child = cli.cmd(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // The reader goes away before the command has written anything.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{args:?}: {:?} stderr={}", o.status, err(&o));
        assert!(err(&o).trim().is_empty(), "{args:?} is not quiet: {}", err(&o));
    }
    // And each of them does print when its output is open.
    for args in listings {
        assert!(!ok(cli.run(args)).trim().is_empty(), "{args:?} printed nothing");
    }
}
