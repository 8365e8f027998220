//! `chamber token create|list|revoke`: the API's bearer tokens. A new
//! token's secret is printed once; only its hash is stored.

use chamber_store::{Store, TokenScope};
use serde_json::json;

use crate::cli_service::TokenAction;
use crate::exit::{CliError, status};
use crate::output::Output;

/// Runs a token command.
pub async fn token(
    store: &Store,
    action: TokenAction,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    match action {
        TokenAction::Create { name, scope } => {
            let scope: TokenScope = scope.parse().map_err(|e: chamber_store::UnknownValue| {
                CliError::new("bad_flag", e.to_string(), None, status::CONFIG)
            })?;
            let (record, secret) = store.create_token(&name, scope).await?;
            out.line(format!(
                "token {} ({}), scope {}:",
                record.name, record.id, record.scope
            ));
            out.line(&secret);
            out.line("store it now: it is not shown again (only its hash is kept)");
            Ok(json!({"token": record, "secret": secret}))
        }
        TokenAction::List => {
            let tokens = store.list_tokens().await?;
            for t in &tokens {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "live"
                };
                let used = t.last_used_at.map_or_else(
                    || "never used".to_string(),
                    |u| format!("last used {}", u.format("%Y-%m-%d %H:%M")),
                );
                out.line(format!(
                    "{}  {:<20} {:<8} {state}, {used}",
                    t.id,
                    t.name,
                    t.scope.as_str()
                ));
            }
            if tokens.is_empty() {
                out.line("no tokens; `chamber token create --name NAME --scope write` makes one");
            }
            Ok(json!({"tokens": tokens}))
        }
        TokenAction::Revoke { token } => {
            let record = store.revoke_token(&token).await?;
            out.line(format!("revoked token {} ({})", record.name, record.id));
            Ok(json!({"token": record}))
        }
    }
}
