//! Relying apps: the store on both databases, registration rules, and `stile client` / `stile keys`.

use stile::clients::{self, AuthMethod, ClientError, ClientSpec, GrantType};
use stile::clock::OsRandom;
use stile::secret::token_hash;
use stile::store::{self, StoreError, bodies::NewBody, clients::ClientRow};

use crate::both;
use crate::cli::{Cli, fails, ok};
use crate::harness::{Backend, TestApp};

fn row(id: &str, name: &str, now: i64) -> ClientRow {
    ClientRow {
        id: id.into(),
        name: name.into(),
        secret_hash: Some(token_hash("first secret")),
        redirect_uris: r#"["https://fms.example.org/auth/OIDC"]"#.into(),
        post_logout_redirect_uris: "[]".into(),
        backchannel_logout_uri: None,
        grant_types: r#"["authorization_code","refresh_token"]"#.into(),
        scopes: r#"["openid","email"]"#.into(),
        token_endpoint_auth_method: "client_secret_post".into(),
        id_token_signing_alg: "RS256".into(),
        permission_namespaces: r#"["fms"]"#.into(),
        body_id: None,
        id_token_claims: "[]".into(),
        access_token_audience: None,
        first_party: 0,
        require_pkce: 1,
        require_mfa: 0,
        jwks: None,
        jwks_uri: None,
        require_par: 0,
        require_dpop: 0,
        created_at: now,
        updated_at: now,
    }
}

async fn clients_store_roundtrip(b: Backend) {
    let app = TestApp::start(b).await;
    let db = &app.state.db;
    let now = app.state.now();
    store::clients::insert(db, &row("fms", "FixMyStreet", now)).await.unwrap();
    store::clients::insert(db, &row("abc", "Another app", now)).await.unwrap();
    let err = store::clients::insert(db, &row("fms", "Duplicate", now)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    let got = store::clients::by_id(db, "fms").await.unwrap().unwrap();
    assert_eq!(got.name, "FixMyStreet");
    assert_eq!(got.scopes, r#"["openid","email"]"#);
    assert_eq!(got.token_endpoint_auth_method, "client_secret_post");
    assert_eq!(got.secret_hash.as_deref(), Some(token_hash("first secret").as_str()));
    assert!(!format!("{got:?}").contains(&token_hash("first secret")), "Debug must not show the secret hash");
    assert!(store::clients::by_id(db, "nope").await.unwrap().is_none());
    let names: Vec<String> = store::clients::list(db).await.unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, vec!["Another app", "FixMyStreet"]);

    // A body to bind to.
    store::bodies::insert(
        db,
        &NewBody {
            id: "b1",
            name: "Camden Council",
            kind: "council",
            fms_body_id: None,
            swa_code: None,
            mfa_policy: "optional",
            password_min_length: None,
            domains: &[],
        },
        now,
    )
    .await
    .unwrap();
    let changed = ClientRow {
        name: "FixMyStreet Camden".into(),
        secret_hash: None, // ignored by update
        redirect_uris: r#"["https://camden.fms.example.org/auth/OIDC"]"#.into(),
        post_logout_redirect_uris: r#"["https://camden.fms.example.org/"]"#.into(),
        backchannel_logout_uri: Some("https://camden.fms.example.org/bc".into()),
        grant_types: r#"["authorization_code"]"#.into(),
        scopes: r#"["openid"]"#.into(),
        token_endpoint_auth_method: "client_secret_basic".into(),
        id_token_signing_alg: "ES256".into(),
        permission_namespaces: r#"["fms","sm"]"#.into(),
        body_id: Some("b1".into()),
        id_token_claims: r#"["roles"]"#.into(),
        access_token_audience: Some("https://api.example.org".into()),
        first_party: 1,
        require_pkce: 0,
        created_at: 0,
        ..row("fms", "", now)
    };
    store::clients::update(db, &changed, now + 10).await.unwrap();
    let got = store::clients::by_id(db, "fms").await.unwrap().unwrap();
    assert_eq!(got.name, "FixMyStreet Camden");
    assert_eq!(got.redirect_uris, r#"["https://camden.fms.example.org/auth/OIDC"]"#);
    assert_eq!(got.post_logout_redirect_uris, r#"["https://camden.fms.example.org/"]"#);
    assert_eq!(got.backchannel_logout_uri.as_deref(), Some("https://camden.fms.example.org/bc"));
    assert_eq!(got.grant_types, r#"["authorization_code"]"#);
    assert_eq!(got.token_endpoint_auth_method, "client_secret_basic");
    assert_eq!(got.id_token_signing_alg, "ES256");
    assert_eq!(got.permission_namespaces, r#"["fms","sm"]"#);
    assert_eq!(got.body_id.as_deref(), Some("b1"));
    assert_eq!(got.id_token_claims, r#"["roles"]"#);
    assert_eq!(got.access_token_audience.as_deref(), Some("https://api.example.org"));
    assert_eq!((got.first_party, got.require_pkce), (1, 0));
    assert_eq!((got.created_at, got.updated_at), (now, now + 10), "creation time kept");
    assert_eq!(got.secret_hash.as_deref(), Some(token_hash("first secret").as_str()), "update leaves the secret alone");
    assert!(matches!(store::clients::update(db, &row("nope", "x", now), now).await, Err(StoreError::NotFound(_))));

    // Secret rotation and clearing.
    store::clients::set_secret_hash(db, "fms", Some(&token_hash("second secret")), now + 20).await.unwrap();
    let got = store::clients::by_id(db, "fms").await.unwrap().unwrap();
    assert_eq!(got.secret_hash.as_deref(), Some(token_hash("second secret").as_str()));
    assert_eq!(got.updated_at, now + 20);
    store::clients::set_secret_hash(db, "abc", None, now).await.unwrap();
    assert!(store::clients::by_id(db, "abc").await.unwrap().unwrap().secret_hash.is_none());
    assert!(matches!(store::clients::set_secret_hash(db, "nope", None, now).await, Err(StoreError::NotFound(_))));

    store::clients::delete(db, "fms").await.unwrap();
    assert!(store::clients::by_id(db, "fms").await.unwrap().is_none());
    assert!(matches!(store::clients::delete(db, "fms").await, Err(StoreError::NotFound(_))));
    assert_eq!(store::clients::list(db).await.unwrap().len(), 1);
    app.finish().await;
}
both!(clients_store_roundtrip);

async fn register_rotate_update_remove(b: Backend) {
    let app = TestApp::start(b).await;
    let db = &app.state.db;
    let now = app.state.now();
    let rng = OsRandom;
    let spec = || ClientSpec::new("  FixMyStreet ", vec!["https://fms.example.org/auth/OIDC".into()]);

    // Confidential: a secret returned once, stored only as its SHA-256.
    let (c, secret) = clients::register(db, spec(), &rng, now).await.unwrap();
    let secret = secret.unwrap();
    assert_eq!(c.name, "FixMyStreet");
    assert!(c.id.len() == 32 && c.id.bytes().all(|b| b.is_ascii_hexdigit()), "16 random bytes in hex: {}", c.id);
    assert_eq!(secret.expose().len(), 43, "256 bits");
    let stored = store::clients::by_id(db, &c.id).await.unwrap().unwrap();
    assert_eq!(stored.secret_hash.as_deref(), Some(token_hash(secret.expose()).as_str()));
    let c = clients::get(db, &c.id).await.unwrap().unwrap();
    assert!(c.verify_secret(secret.expose()));
    assert!(!c.verify_secret("wrong"));
    assert_eq!(c.access_token_audience(), c.id);
    assert!(c.allows_grant(GrantType::RefreshToken));

    // Public: no secret, never verifies.
    let (p, none) = clients::register(
        db,
        ClientSpec {
            auth_method: AuthMethod::None,
            id: Some("native.app".into()),
            redirect_uris: vec!["com.example.app:/cb".into()],
            ..spec()
        },
        &rng,
        now,
    )
    .await
    .unwrap();
    assert!(none.is_none());
    assert!(p.is_public() && !p.has_secret() && p.require_pkce);
    assert!(matches!(clients::rotate_secret(db, "native.app", &rng, now).await, Err(ClientError::Public(_))));

    // Refusals store nothing.
    let refusals = [
        ClientSpec { redirect_uris: vec!["http://example.org/cb".into()], ..spec() },
        ClientSpec { redirect_uris: vec!["https://fms.example.org/cb#x".into()], ..spec() },
        ClientSpec {
            auth_method: AuthMethod::None,
            grant_types: vec![GrantType::AuthorizationCode, GrantType::ClientCredentials],
            ..spec()
        },
        ClientSpec { body_id: Some("no-such-body".into()), ..spec() },
        ClientSpec { name: String::new(), ..spec() },
    ];
    for s in refusals {
        let e = clients::register(db, s.clone(), &rng, now).await.unwrap_err();
        assert!(matches!(e, ClientError::Invalid(_)), "{s:?}: {e:?}");
    }
    let e = clients::register(db, ClientSpec { id: Some("native.app".into()), ..spec() }, &rng, now).await.unwrap_err();
    assert!(matches!(e, ClientError::Conflict(_)), "{e:?}");
    assert_eq!(clients::list(db).await.unwrap().len(), 2);

    // Rotation: the old secret stops working.
    let new = clients::rotate_secret(db, &c.id, &rng, now + 5).await.unwrap();
    let c2 = clients::get(db, &c.id).await.unwrap().unwrap();
    assert!(c2.verify_secret(new.expose()));
    assert!(!c2.verify_secret(secret.expose()));
    assert!(matches!(clients::rotate_secret(db, "nope", &rng, now).await, Err(ClientError::NotFound(_))));

    // Update: public ↔ confidential moves the secret with it.
    let (u, s) = clients::update(db, &c.id, ClientSpec { auth_method: AuthMethod::None, ..c2.to_spec() }, &rng, now + 6).await.unwrap();
    assert!(s.is_none() && u.is_public() && !u.has_secret());
    let (u, s) =
        clients::update(db, &c.id, ClientSpec { auth_method: AuthMethod::ClientSecretPost, ..u.to_spec() }, &rng, now + 7).await.unwrap();
    assert!(u.verify_secret(s.unwrap().expose()));
    let e = clients::update(db, &c.id, ClientSpec { id: Some("other-id".into()), ..u.to_spec() }, &rng, now).await.unwrap_err();
    assert!(matches!(e, ClientError::Invalid(_)));
    let e = clients::update(db, &c.id, ClientSpec { redirect_uris: vec![], ..u.to_spec() }, &rng, now).await.unwrap_err();
    assert!(matches!(e, ClientError::Invalid(_)));
    assert_eq!(clients::get(db, &c.id).await.unwrap().unwrap().redirect_uris.len(), 1);

    clients::remove(db, "native.app").await.unwrap();
    assert!(matches!(clients::remove(db, "native.app").await, Err(ClientError::NotFound(_))));
    assert_eq!(clients::list(db).await.unwrap().len(), 1);
    app.finish().await;
}
both!(register_rotate_update_remove);

async fn stored_client(cli: &Cli, id: &str) -> Option<ClientRow> {
    let db = store::Db::connect(&cli.db.url, 1).await.unwrap();
    let row = store::clients::by_id(&db, id).await.unwrap();
    db.close().await;
    row
}

async fn audit_actions(cli: &Cli) -> Vec<String> {
    let db = store::Db::connect(&cli.db.url, 1).await.unwrap();
    let events = store::audit::recent(&db, None, 1000).await.unwrap();
    db.close().await;
    events.into_iter().map(|e| e.action).collect()
}

async fn client_and_keys_commands(b: Backend) {
    let cli = Cli::new(b).await;
    // --json on a fresh data directory: exactly one JSON object on stdout, even on first start.
    let o = ok(cli.run(&[
        "client",
        "add",
        "FixMyStreet",
        "--redirect-uri",
        "https://fms.example.org/auth/OIDC",
        "--auth-method",
        "client_secret_post",
        "--namespace",
        "fms",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(o.trim()).unwrap_or_else(|e| panic!("not one JSON object: {e}: {o}"));
    assert_eq!(o.trim().lines().count(), 1, "{o}");
    let id = v["client_id"].as_str().unwrap().to_owned();
    let secret = v["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 43);
    let row = stored_client(&cli, &id).await.unwrap();
    let hash = row.secret_hash.clone().unwrap();
    assert_eq!(hash, token_hash(&secret), "the stored hash is SHA-256 of the secret");
    assert_ne!(hash, secret);
    assert!(!hash.contains(&secret));
    assert_eq!(row.token_endpoint_auth_method, "client_secret_post");
    assert_eq!(row.grant_types, r#"["authorization_code","refresh_token"]"#);
    assert_eq!(row.scopes, r#"["openid","profile","email","offline_access"]"#);

    // Without --json: the secret once, with a warning.
    let o = ok(cli.run(&["client", "add", "Permits", "--redirect-uri", "https://permits.example.org/cb", "--id", "permits"]));
    assert!(o.contains("client_id:     permits"), "{o}");
    assert!(o.contains("client_secret: ") && o.contains("will not be shown again"), "{o}");

    // Public client: no secret.
    let o = ok(cli.run(&[
        "client",
        "add",
        "Mobile",
        "--auth-method",
        "none",
        "--redirect-uri",
        "com.example.mobile:/cb",
        "--redirect-uri",
        "http://127.0.0.1:7000/cb",
        "--id",
        "mobile",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(o.trim()).unwrap();
    assert_eq!(v["client_id"], "mobile");
    assert!(v["client_secret"].is_null());
    assert!(stored_client(&cli, "mobile").await.unwrap().secret_hash.is_none());

    // Refusals: one line, non-zero, nothing stored, nothing on stdout with --json.
    for (args, why) in [
        (vec!["--redirect-uri", "http://example.org/cb"], "not loopback"),
        (vec!["--redirect-uri", "https://bad.example.org/cb#frag"], "fragment"),
        (
            vec!["--auth-method", "none", "--redirect-uri", "https://bad.example.org/cb", "--grant-type", "client_credentials"],
            "client_credentials",
        ),
        (vec!["--auth-method", "none", "--redirect-uri", "https://bad.example.org/cb", "--no-pkce"], "PKCE"),
        (vec!["--redirect-uri", "https://bad.example.org/cb", "--body", "Nowhere Council"], "no body"),
        (vec!["--redirect-uri", "https://bad.example.org/cb", "--auth-method", "client_secret_jwt"], "--auth-method"),
        (vec!["--redirect-uri", "https://bad.example.org/cb", "--auth-method", "private_key_jwt"], "public keys"),
        (vec!["--redirect-uri", "https://bad.example.org/cb", "--auth-method", "private_key_jwt", "--jwks", "/nonexistent.json"], "--jwks"),
        (
            vec![
                "--redirect-uri",
                "https://bad.example.org/cb",
                "--auth-method",
                "private_key_jwt",
                "--jwks-uri",
                "http://keys.example.org/jwks",
            ],
            "JWKS URI",
        ),
        (vec!["--redirect-uri", "https://bad.example.org/cb", "--id", "permits"], "already exists"),
    ] {
        let mut full = vec!["client", "add", "Bad", "--json"];
        full.extend(args.iter().copied());
        let o = cli.run(&full);
        assert!(o.stdout.is_empty(), "{args:?}: stdout {}", String::from_utf8_lossy(&o.stdout));
        let e = fails(o);
        assert!(e.contains(why), "{args:?}: {e}");
    }
    // private_key_jwt with a JWK set from a file: no secret is made.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwks.json");
    std::fs::write(&file, crate::client_keys::jwks(&[&crate::client_keys::TestKey::ec("k1")])).unwrap();
    let o = ok(cli.run(&[
        "client",
        "add",
        "Street works",
        "--grant-type",
        "client_credentials",
        "--scope",
        "sw",
        "--auth-method",
        "private_key_jwt",
        "--jwks",
        file.to_str().unwrap(),
        "--id",
        "streetworks",
        "--require-dpop",
        "--json",
    ]));
    assert!(o.contains("\"client_secret\":null"), "{o}");
    let show = ok(cli.run(&["client", "show", "streetworks"]));
    assert!(show.contains("inline JWK set") && show.contains("DPoP required:             true"), "{show}");
    ok(cli.run(&["client", "remove", "streetworks"]));
    let list = ok(cli.run(&["client", "list"]));
    assert_eq!(list.lines().count(), 4, "{list}");
    assert!(!list.contains("Bad"));

    // show: everything but the secret.
    let show = ok(cli.run(&["client", "show", &id]));
    assert!(show.contains("FixMyStreet") && show.contains("https://fms.example.org/auth/OIDC"), "{show}");
    assert!(show.contains("secret set:                yes"), "{show}");
    assert!(show.contains("permission namespaces:     fms"), "{show}");
    assert!(!show.contains(&secret) && !show.contains(&hash), "{show}");
    assert!(ok(cli.run(&["client", "show", "mobile"])).contains("secret set:                no"));
    assert!(fails(cli.run(&["client", "show", "nope"])).contains("no client"));

    // rotate-secret changes the hash.
    let o = ok(cli.run(&["client", "rotate-secret", &id, "--json"]));
    let v: serde_json::Value = serde_json::from_str(o.trim()).unwrap();
    let new_secret = v["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let new_hash = stored_client(&cli, &id).await.unwrap().secret_hash.unwrap();
    assert_ne!(new_hash, hash);
    assert_eq!(new_hash, token_hash(new_secret));
    assert!(ok(cli.run(&["client", "rotate-secret", "permits"])).contains("will not be shown again"));
    assert!(fails(cli.run(&["client", "rotate-secret", "mobile"])).contains("public"));

    // remove.
    assert!(ok(cli.run(&["client", "remove", "permits"])).contains("Removed"));
    assert!(stored_client(&cli, "permits").await.is_none());
    assert!(fails(cli.run(&["client", "remove", "permits"])).contains("no client"));

    // keys: four after first start (current + next per algorithm); rotate retires the current ones.
    let keys = ok(cli.run(&["keys", "list"]));
    let rows: Vec<&str> = keys.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{keys}");
    assert_eq!(rows.iter().filter(|l| l.contains(" current ")).count(), 2, "{keys}");
    assert_eq!(rows.iter().filter(|l| l.contains(" next ")).count(), 2, "{keys}");
    let next: Vec<String> = rows.iter().filter(|l| l.contains(" next ")).map(|l| l.split_whitespace().next().unwrap().to_owned()).collect();
    let o = ok(cli.run(&["keys", "rotate"]));
    for kid in &next {
        assert!(o.contains(kid.as_str()), "{o}");
    }
    let keys = ok(cli.run(&["keys", "list"]));
    let rows: Vec<&str> = keys.lines().skip(1).collect();
    assert_eq!(rows.len(), 6, "{keys}");
    assert_eq!(rows.iter().filter(|l| l.contains(" retired ")).count(), 2, "{keys}");
    for kid in &next {
        assert!(rows.iter().any(|l| l.starts_with(kid.as_str()) && l.contains(" current ")), "{keys}");
    }

    let actions = audit_actions(&cli).await;
    for a in ["client.create", "client.rotate_secret", "client.remove", "keys.rotate"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
    }
    cli.db.drop_db().await;
}
both!(client_and_keys_commands);

#[tokio::test]
async fn client_and_keys_help() {
    let cli = Cli::new(Backend::Sqlite).await;
    for args in [
        vec!["client", "--help"],
        vec!["client", "add", "--help"],
        vec!["client", "list", "--help"],
        vec!["client", "show", "--help"],
        vec!["client", "rotate-secret", "--help"],
        vec!["client", "remove", "--help"],
        vec!["keys", "--help"],
        vec!["keys", "list", "--help"],
        vec!["keys", "rotate", "--help"],
    ] {
        let o = ok(cli.run(&args));
        assert!(o.contains("Usage:"), "{args:?}: {o}");
    }
}
