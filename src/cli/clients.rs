//! `stile client …`: register, inspect, re-key and remove relying apps. A client secret is
//! printed exactly once, when it is made.

use clap::{Args, Subcommand};
use serde_json::json;

use super::CliError;
use crate::admin::AdminActor;
use crate::admin::ops::{self, clients::ClientInput};
use crate::app::AppState;
use crate::clients::{self, AuthMethod, Client, GrantType};
use crate::secret::SecretString;
use crate::store;
use crate::tokens::keys::Alg;

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a relying app. A confidential client's secret is printed once, now.
    Add(Box<ClientAdd>),
    /// List relying apps.
    List,
    /// Show one client's settings (never its secret).
    Show {
        /// The client id.
        id: String,
    },
    /// Give a confidential client a new secret; the old one stops working at once.
    RotateSecret {
        /// The client id.
        id: String,
        /// Print only {"client_id": …, "client_secret": …} on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Set what every sign-in to a client needs: optional (its users' own policy), required
    /// (two-factor authentication) or phishing_resistant (a passkey or security key).
    #[command(name = "set-mfa")]
    SetMfa {
        /// The client id.
        id: String,
        policy: String,
    },
    /// Remove a client with its consents and outstanding codes and tokens.
    Remove {
        /// The client id.
        id: String,
    },
}

impl ClientCommand {
    /// Whether standard output must hold only one JSON object.
    pub fn json_output(&self) -> bool {
        match self {
            ClientCommand::Add(a) => a.json,
            ClientCommand::RotateSecret { json, .. } => *json,
            _ => false,
        }
    }
}

#[derive(Debug, Args)]
pub struct ClientAdd {
    /// The app's name, as people will see it.
    pub name: String,
    /// Where the app receives authorization codes; matched exactly as given (repeatable).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// Where the app may send people after signing out; matched exactly (repeatable).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Where Stile posts OIDC back-channel logout tokens.
    #[arg(long, value_name = "URI")]
    pub backchannel_logout_uri: Option<String>,
    /// authorization_code, refresh_token or client_credentials (repeatable; default
    /// authorization_code and refresh_token).
    #[arg(long = "grant-type", value_name = "GRANT")]
    pub grant_types: Vec<String>,
    /// A scope the app may ask for (repeatable; default openid, profile, email, offline_access).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// client_secret_basic, client_secret_post, private_key_jwt (with --jwks or --jwks-uri), or
    /// none for a public app (PKCE, no secret).
    #[arg(long, value_name = "METHOD", default_value = "client_secret_basic")]
    pub auth_method: String,
    /// ID token signing algorithm: RS256 or ES256.
    #[arg(long, value_name = "ALG", default_value = "RS256")]
    pub alg: String,
    /// A permission namespace whose permissions the app receives, e.g. fms or sm (repeatable).
    #[arg(long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,
    /// Bind the app to one body (by name); it then also receives that body's flat roles.
    #[arg(long, value_name = "BODY")]
    pub body: Option<String>,
    /// A claim always put in the ID token: email, email_verified, name, given_name, family_name,
    /// roles or bodies (repeatable).
    #[arg(long = "id-token-claim", value_name = "CLAIM")]
    pub id_token_claims: Vec<String>,
    /// The audience of its access tokens (default: the client id).
    #[arg(long, value_name = "AUDIENCE")]
    pub audience: Option<String>,
    /// A first-party app: people are not asked for consent.
    #[arg(long)]
    pub first_party: bool,
    /// Do not require PKCE (confidential clients only).
    #[arg(long)]
    pub no_pkce: bool,
    /// Require two-factor authentication for every sign-in to this client.
    #[arg(long)]
    pub require_mfa: bool,
    /// Require a passkey or security key (phishing-resistant) for every sign-in to this client.
    #[arg(long)]
    pub require_phr: bool,
    /// private_key_jwt: a file holding the app's public keys as a JWK set ({"keys": [...]}).
    #[arg(long, value_name = "FILE", conflicts_with = "jwks_uri")]
    pub jwks: Option<std::path::PathBuf>,
    /// private_key_jwt: the https URL where the app publishes its JWK set.
    #[arg(long, value_name = "URL")]
    pub jwks_uri: Option<String>,
    /// Accept authorization requests from this app only through the PAR endpoint (RFC 9126).
    #[arg(long)]
    pub require_par: bool,
    /// Issue tokens to this app only with a DPoP proof, bound to its key (RFC 9449).
    #[arg(long)]
    pub require_dpop: bool,
    /// Use this client id (3 to 64 of A-Z a-z 0-9 . _ -) instead of a random one.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Print only {"client_id": …, "client_secret": …} on standard output.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(state: &AppState, c: ClientCommand) -> Result<(), CliError> {
    match c {
        ClientCommand::Add(a) => add(state, *a).await,
        ClientCommand::List => list(state).await,
        ClientCommand::Show { id } => show(state, &id).await,
        ClientCommand::RotateSecret { id, json } => rotate_secret(state, &id, json).await,
        ClientCommand::Remove { id } => remove(state, &id).await,
        ClientCommand::SetMfa { id, policy } => set_mfa(state, &id, &policy).await,
    }
}

fn one_of<T: Copy>(what: &str, value: &str, all: &[T], name: impl Fn(T) -> &'static str) -> Result<T, CliError> {
    all.iter().copied().find(|t| name(*t) == value).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|t| name(*t)).collect();
        CliError::Usage(format!("{what} must be one of {}, not {value:?}", names.join(", ")))
    })
}

/// The flags as `admin::ops` input: each value is checked here first, so a mistake is named
/// by its flag.
async fn input_from(state: &AppState, a: ClientAdd) -> Result<ClientInput, CliError> {
    let mut grant_types = None;
    if !a.grant_types.is_empty() {
        let parsed =
            a.grant_types.iter().map(|g| one_of("--grant-type", g, &GrantType::ALL, GrantType::as_str)).collect::<Result<Vec<_>, _>>()?;
        grant_types = Some(parsed.into_iter().map(|g| g.as_str().to_owned()).collect());
    }
    let auth_method = one_of("--auth-method", &a.auth_method, &AuthMethod::ALL, AuthMethod::as_str)?;
    let id_token_alg = one_of("--alg", &a.alg, &Alg::ALL, Alg::as_str)?;
    let jwks = match &a.jwks {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| CliError::Usage(format!("cannot read --jwks {}: {e}", path.display())))?;
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| CliError::Usage(format!("--jwks {} is not JSON: {e}", path.display())))?;
            Some(v)
        }
    };
    let body_id = match a.body.as_deref() {
        None => None,
        Some(b) => {
            let found = match store::bodies::by_name(&state.db, b).await? {
                Some(row) => Some(row),
                None => store::bodies::by_id(&state.db, b).await?,
            };
            Some(found.ok_or_else(|| CliError::Usage(format!("no body named {b:?} (see stile body list)")))?.id)
        }
    };
    Ok(ClientInput {
        client_id: a.id,
        name: Some(a.name),
        redirect_uris: Some(a.redirect_uris),
        post_logout_redirect_uris: Some(a.post_logout_redirect_uris),
        backchannel_logout_uri: a.backchannel_logout_uri,
        grant_types,
        scopes: if a.scopes.is_empty() { None } else { Some(a.scopes) },
        token_endpoint_auth_method: Some(auth_method.as_str().to_owned()),
        id_token_signing_alg: Some(id_token_alg.as_str().to_owned()),
        permission_namespaces: Some(a.namespaces),
        body_id,
        id_token_claims: Some(a.id_token_claims),
        access_token_audience: a.audience,
        first_party: Some(a.first_party),
        require_pkce: Some(!a.no_pkce),
        require_mfa: Some(a.require_mfa),
        require_phr: Some(a.require_phr),
        jwks,
        jwks_uri: a.jwks_uri,
        require_pushed_authorization_requests: Some(a.require_par),
        dpop_bound_access_tokens: Some(a.require_dpop),
    })
}

fn print_secret_json(client_id: &str, secret: Option<&SecretString>) {
    out!("{}", json!({ "client_id": client_id, "client_secret": secret.map(SecretString::expose) }));
}

fn print_secret_warning(client_id: &str, secret: &SecretString) {
    out!("  client_secret: {}", secret.expose());
    out!();
    out!("This secret is shown only now and will not be shown again: put it in the app's configuration.");
    out!("If it is lost, make a new one with: stile client rotate-secret {client_id}");
}

async fn add(state: &AppState, a: ClientAdd) -> Result<(), CliError> {
    let json = a.json;
    let input = input_from(state, a).await?;
    let made = ops::clients::create(state, &AdminActor::cli(), input).await?;
    let (client, secret) = (made.client, made.client_secret);
    if json {
        print_secret_json(&client.client_id, secret.as_ref());
        return Ok(());
    }
    out!("Created client {:?}.", client.name);
    out!("  client_id:     {}", client.client_id);
    match &secret {
        Some(s) => print_secret_warning(&client.client_id, s),
        None if client.token_endpoint_auth_method == AuthMethod::PrivateKeyJwt.as_str() => {
            out!("It authenticates with JWTs signed by its own key (private_key_jwt): it has no secret.")
        }
        None => out!("It is a public client: it has no secret and must use PKCE (S256)."),
    }
    Ok(())
}

async fn set_mfa(state: &AppState, id: &str, policy: &str) -> Result<(), CliError> {
    let (mfa, phr) = match policy {
        "optional" => (false, false),
        "required" => (true, false),
        "phishing_resistant" => (true, true),
        _ => return Err(CliError::Usage("the policy must be optional, required or phishing_resistant".into())),
    };
    let input = ClientInput { require_mfa: Some(mfa), require_phr: Some(phr), ..Default::default() };
    let c = ops::clients::update(state, &AdminActor::cli(), id, input).await?.client;
    out!("Sign-ins to {:?} now need: {policy}.", c.name);
    Ok(())
}

async fn list(state: &AppState) -> Result<(), CliError> {
    let rows: Vec<[String; 5]> = clients::list(&state.db)
        .await?
        .into_iter()
        .map(|c| {
            let grants: Vec<&str> = c.grant_types.iter().map(|g| g.as_str()).collect();
            let mut flags = Vec::new();
            if c.first_party {
                flags.push("first-party");
            }
            if c.body_id.is_some() {
                flags.push("body");
            }
            if !c.require_pkce {
                flags.push("no-pkce");
            }
            [c.id, c.name, c.auth_method.as_str().to_owned(), grants.join(","), flags.join(",")]
        })
        .collect();
    print_table(["ID", "NAME", "AUTH", "GRANTS", "FLAGS"], &rows);
    Ok(())
}

/// Columns as wide as their widest cell (ids are 32 characters; names can be anything).
fn print_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(widths.iter()).map(|(c, w)| format!("{c:<w$}")).collect();
        out!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

async fn get(state: &AppState, id: &str) -> Result<Client, CliError> {
    clients::get(&state.db, id).await?.ok_or_else(|| CliError::Usage(format!("no client with id {id:?} (see stile client list)")))
}

fn or_none(v: &[String]) -> String {
    if v.is_empty() { "none".into() } else { v.join(" ") }
}

async fn show(state: &AppState, id: &str) -> Result<(), CliError> {
    let c = get(state, id).await?;
    let body = match &c.body_id {
        Some(b) => match store::bodies::by_id(&state.db, b).await? {
            Some(row) => format!("{} ({b})", row.name),
            None => b.clone(),
        },
        None => "none".into(),
    };
    let grants: Vec<String> = c.grant_types.iter().map(|g| g.as_str().to_owned()).collect();
    out!("id:                        {}", c.id);
    out!("name:                      {}", c.name);
    out!("auth method:               {}", c.auth_method.as_str());
    out!("secret set:                {}", if c.has_secret() { "yes" } else { "no" });
    out!("grant types:               {}", or_none(&grants));
    out!("redirect URIs:             {}", or_none(&c.redirect_uris));
    out!("post-logout redirect URIs: {}", or_none(&c.post_logout_redirect_uris));
    out!("back-channel logout URI:   {}", c.backchannel_logout_uri.as_deref().unwrap_or("none"));
    out!("scopes:                    {}", or_none(&c.scopes));
    out!("ID token alg:              {}", c.id_token_alg.as_str());
    out!("ID token claims:           {}", or_none(&c.id_token_claims));
    out!("permission namespaces:     {}", or_none(&c.permission_namespaces));
    out!("body:                      {body}");
    out!("access token audience:     {}", c.access_token_audience());
    out!("first party:               {}", c.first_party);
    out!("PKCE required:             {}", c.require_pkce);
    out!("2FA required:              {}", c.require_mfa);
    out!("Passkey required:          {}", c.require_phr);
    if c.auth_method == AuthMethod::PrivateKeyJwt {
        match (&c.jwks, &c.jwks_uri) {
            (Some(_), _) => out!("public keys:               inline JWK set"),
            (None, Some(u)) => out!("public keys:               {u}"),
            (None, None) => out!("public keys:               none"),
        }
    }
    out!("PAR required:              {}", c.require_par);
    out!("DPoP required:             {}", c.require_dpop);
    out!("created:                   {}", super::keys::format_time(c.created_at));
    out!("updated:                   {}", super::keys::format_time(c.updated_at));
    Ok(())
}

async fn rotate_secret(state: &AppState, id: &str, json: bool) -> Result<(), CliError> {
    get(state, id).await?;
    let made = ops::clients::rotate_secret(state, &AdminActor::cli(), id).await?;
    let secret = made.client_secret.ok_or_else(|| CliError::Refused("no secret was made".into()))?;
    if json {
        print_secret_json(id, Some(&secret));
        return Ok(());
    }
    out!("Client {id} has a new secret; the old one no longer works.");
    print_secret_warning(id, &secret);
    Ok(())
}

async fn remove(state: &AppState, id: &str) -> Result<(), CliError> {
    let c = get(state, id).await?;
    ops::clients::remove(state, &AdminActor::cli(), id).await?;
    out!("Removed client {:?} ({id}).", c.name);
    Ok(())
}
