//! `stile keys …`: see and rotate the signing keys.

use clap::Subcommand;

use super::CliError;
use crate::admin::AdminActor;
use crate::app::AppState;
use crate::clock::Timestamp;
use crate::store;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys: next (published, not yet signing), current and retired.
    List,
    /// Rotate: each algorithm's next key becomes current, current becomes retired, and a new
    /// next key is made. Running servers pick the change up within a minute.
    Rotate,
}

pub async fn run(state: &AppState, c: KeysCommand) -> Result<(), CliError> {
    match c {
        KeysCommand::List => {
            out!("{:<24} {:<6} {:<8} {:<21} {:<21} RETIRED", "KID", "ALG", "STATE", "CREATED", "ACTIVATED");
            for k in store::keys::all(&state.db).await? {
                out!(
                    "{:<24} {:<6} {:<8} {:<21} {:<21} {}",
                    k.kid,
                    k.alg,
                    k.state,
                    format_time(k.created_at),
                    k.activated_at.map(format_time).unwrap_or_else(|| "-".into()),
                    k.retired_at.map(format_time).unwrap_or_else(|| "-".into()),
                );
            }
        }
        KeysCommand::Rotate => {
            let promoted = crate::admin::ops::keys::rotate(state, &AdminActor::cli()).await?;
            out!("Promoted to current: {}", promoted.join(", "));
            out!("The previous current keys are retired and stay in the JWKS; new next keys were made.");
        }
    }
    Ok(())
}

/// A stored time as RFC 3339 UTC, e.g. 2025-01-31T12:00:00Z.
pub(crate) fn format_time(t: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}
