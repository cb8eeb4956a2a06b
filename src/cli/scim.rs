//! `stile scim …`: a body's SCIM provisioning secrets and sync status.

use clap::Subcommand;

use super::CliError;
use super::keys::format_time;
use crate::admin::AdminActor;
use crate::admin::ops::scim as ops;
use crate::app::AppState;

#[derive(Debug, Subcommand)]
pub enum ScimCommand {
    /// Make a SCIM secret token for a body (shown once): paste it into the directory's
    /// provisioning settings (Entra ID: "Secret Token"), with the tenant URL ISSUER/scim/v2.
    TokenAdd {
        /// The body's name or id.
        body: String,
        /// What the token is for (e.g. "Entra ID").
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a SCIM secret token by its id: the directory's next request is refused.
    TokenRevoke { id: String },
    /// A body's SCIM tokens, last sync, counts and last error.
    Status {
        /// The body's name or id.
        body: String,
    },
}

pub async fn run(state: &AppState, c: ScimCommand) -> Result<(), CliError> {
    let actor = AdminActor::cli();
    match c {
        ScimCommand::TokenAdd { body, label } => {
            let body = super::admin_data::find_body(state, &body).await?;
            let made = ops::create_token(state, &actor, &body.id, &label).await?;
            out!("SCIM token {} made for {}.", made.token.id, body.name);
            out!("Tenant URL:   {}", ops::base_url(state));
            out!("Secret token: {}", made.secret.expose());
            out!("The secret is shown only now; store it in the directory's provisioning settings.");
        }
        ScimCommand::TokenRevoke { id } => {
            let t = ops::revoke_token(state, &actor, &id).await?;
            out!("SCIM token {} revoked.", t.id);
        }
        ScimCommand::Status { body } => {
            let body = super::admin_data::find_body(state, &body).await?;
            let o = ops::overview(state, &actor, &body.id).await?;
            let when = |t: Option<i64>| t.map(format_time).unwrap_or_else(|| "never".into());
            out!("{}: last sync {}", body.name, when(o.last_sync_at));
            out!("users provisioned: {} ({} disabled), groups: {}", o.users, o.disabled_users, o.groups);
            match (&o.last_error, o.last_error_at) {
                (Some(e), Some(at)) => out!("last error ({}): {e}", format_time(at)),
                _ => out!("no errors"),
            }
            out!("{:<38} {:<20} {:<21} {:<21} REVOKED", "TOKEN", "LABEL", "CREATED", "LAST USED");
            for t in o.tokens {
                out!(
                    "{:<38} {:<20} {:<21} {:<21} {}",
                    t.id,
                    t.label,
                    format_time(t.created_at),
                    when(t.last_used_at),
                    t.revoked_at.map(format_time).unwrap_or_else(|| "-".into())
                );
            }
        }
    }
    Ok(())
}
