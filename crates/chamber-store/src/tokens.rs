//! API tokens for the HTTP API: a secret shown once at creation, stored only
//! as its SHA-256, checked in constant time, with ordered scopes and
//! revocation.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use subtle::ConstantTimeEq;

use crate::db::{begin_write, opt_ts, str_enum, ts};
use crate::runs::parse_ts;
use crate::{Store, StoreError};

str_enum! {
    /// What a token may do. Each scope includes the ones before it:
    /// `admin` ⊇ `approve` ⊇ `write` ⊇ `read`.
    pub enum TokenScope ("token scope") {
        /// Read tasks, runs and events.
        Read = "read",
        /// Also submit, cancel and retry tasks.
        Write = "write",
        /// Also answer approvals.
        Approve = "approve",
        /// Also manage tokens.
        Admin = "admin",
    }
}

impl TokenScope {
    /// Whether a token with this scope may do what `needed` guards.
    pub fn allows(self, needed: TokenScope) -> bool {
        self >= needed
    }
}

/// A stored API token (never its secret or the secret's hash).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TokenRecord {
    /// Token id (also part of the secret).
    pub id: String,
    /// Name, unique among tokens not revoked.
    pub name: String,
    /// What it may do.
    pub scope: TokenScope,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When a request last presented it.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// How every secret starts.
const SECRET_PREFIX: &str = "chm_";

/// Length of the random part: 32 bytes in unpadded base64url.
const RANDOM_CHARS: usize = 43;

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// `N` bytes from the operating system's CSPRNG.
fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Entropy(e.to_string()))?;
    Ok(buf)
}

/// What is stored for a secret: its SHA-256, in hex.
fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// The token id in a well-formed secret.
fn secret_id(secret: &str) -> Option<&str> {
    let (id, random) = secret.strip_prefix(SECRET_PREFIX)?.split_once('_')?;
    let well_formed =
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()) && random.len() == RANDOM_CHARS;
    well_formed.then_some(id)
}

fn token_from_row(row: &AnyRow) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: row.get("id"),
        name: row.get("name"),
        scope: row.get::<&str, _>("scope").parse()?,
        created_at: parse_ts(row.get("created_at")),
        last_used_at: opt_ts(row.get("last_used_at")),
        revoked_at: opt_ts(row.get("revoked_at")),
    })
}

impl Store {
    /// Makes a token and returns it with its secret,
    /// `chm_<id>_<43 base64url characters>`: the only time the secret is
    /// available (only its SHA-256 is stored). `DuplicateName` when a live
    /// token already has `name`.
    pub async fn create_token(
        &self,
        name: &str,
        scope: TokenScope,
    ) -> Result<(TokenRecord, String), StoreError> {
        let id = hex(&random::<8>()?);
        let secret = format!(
            "{SECRET_PREFIX}{id}_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random::<32>()?)
        );
        let mut tx = begin_write(&self.pool, self.dialect).await?;
        let taken = sqlx::query("SELECT id FROM api_tokens WHERE name = $1 AND revoked_at IS NULL")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::DuplicateName {
                what: "token",
                name: name.into(),
            });
        }
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO api_tokens (id, name, scope, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(name)
        .bind(scope.as_str())
        .bind(secret_hash(&secret))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let record = TokenRecord {
            id,
            name: name.into(),
            scope,
            created_at: parse_ts(&ts(now)),
            last_used_at: None,
            revoked_at: None,
        };
        Ok((record, secret))
    }

    /// The live token a presented secret belongs to, or `None` (malformed,
    /// unknown, wrong secret or revoked). Records the use.
    pub async fn verify_token(&self, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
        let Some(id) = secret_id(secret) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT id, name, scope, secret_hash, created_at, last_used_at, revoked_at \
             FROM api_tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored: &str = row.get("secret_hash");
        let matches: bool = secret_hash(secret)
            .as_bytes()
            .ct_eq(stored.as_bytes())
            .into();
        let mut record = token_from_row(&row)?;
        if !matches || record.revoked_at.is_some() {
            return Ok(None);
        }
        // `last_used_at` is kept to the minute: a write per request would
        // serialise every API call on the database's write lock.
        let now = Utc::now();
        let stale = record
            .last_used_at
            .is_none_or(|t| now - t >= chrono::Duration::seconds(60));
        if stale {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(&record.id)
                .execute(&self.pool)
                .await?;
            record.last_used_at = Some(parse_ts(&ts(now)));
        }
        Ok(Some(record))
    }

    /// Every token, revoked ones included, oldest first.
    pub async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        sqlx::query(
            "SELECT id, name, scope, created_at, last_used_at, revoked_at FROM api_tokens \
             ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(token_from_row)
        .collect()
    }

    /// Revokes the token with this id, or else the live token with this
    /// name. Revoking a revoked token (by id) returns it unchanged.
    pub async fn revoke_token(&self, id_or_name: &str) -> Result<TokenRecord, StoreError> {
        let mut tx = begin_write(&self.pool, self.dialect).await?;
        let row = sqlx::query(
            "SELECT id, name, scope, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE id = $1 OR (name = $1 AND revoked_at IS NULL) \
             ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1",
        )
        .bind(id_or_name)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound {
                what: "token",
                id: id_or_name.into(),
            });
        };
        let mut record = token_from_row(&row)?;
        if record.revoked_at.is_none() {
            let now = Utc::now();
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(&record.id)
                .execute(&mut *tx)
                .await?;
            record.revoked_at = Some(parse_ts(&ts(now)));
        }
        tx.commit().await?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_parse_only_when_well_formed() {
        let random = "A".repeat(RANDOM_CHARS);
        assert_eq!(secret_id(&format!("chm_0a1b_{random}")), Some("0a1b"));
        // The random part may itself contain `_`.
        let with_underscore = format!("_{}", "x".repeat(RANDOM_CHARS - 1));
        assert_eq!(
            secret_id(&format!("chm_0a1b_{with_underscore}")),
            Some("0a1b")
        );
        for bad in [
            format!("chx_0a1b_{random}"),
            format!("chm__{random}"),
            format!("chm_zz_{random}"),
            "chm_0a1b_short".to_owned(),
            "chm_0a1b".to_owned(),
            String::new(),
        ] {
            assert_eq!(secret_id(&bad), None, "{bad}");
        }
    }

    #[test]
    fn hex_is_lower_case_and_complete() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
