//! API tokens: a random secret is shown once; only its SHA-256 hash is stored.
//!
//! SHA-256 without salt is right here because the secret is 256 random bits, not a
//! password: there is nothing to brute-force, and lookup by hash stays an index hit.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::api_token;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use super::{Actor, Role};
use crate::error::{AppError, AppResult};

/// Prefix that makes a token recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "ifin_";

/// Hex SHA-256 of a token secret.
pub fn hash_token(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a token and returns its secret (the only time it exists in clear).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    company_id: Option<i64>,
    role: Role,
    label: &str,
    now: DateTime<Utc>,
) -> AppResult<String> {
    if role == Role::Company && company_id.is_none() {
        return Err(AppError::validation(
            "company",
            "a company token needs a company",
        ));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    api_token::ActiveModel {
        company_id: Set(company_id),
        role: Set(role.as_str().to_string()),
        token_hash: Set(hash_token(&secret)),
        label: Set(label.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// The actor a token secret stands for, or `UNAUTHENTICATED`.
pub async fn authenticate<C: ConnectionTrait>(db: &C, secret: &str) -> AppResult<Actor> {
    let unauthenticated = || AppError::Unauthenticated("the API token is not valid".into());
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Err(unauthenticated());
    }
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash_token(secret)))
        .one(db)
        .await?
        .ok_or_else(unauthenticated)?;
    let role = Role::parse(&row.role).ok_or_else(unauthenticated)?;
    Ok(Actor {
        token_id: row.id,
        role,
        company_id: row.company_id,
    })
}

/// How long an authenticated token is trusted without asking the database
/// again. A revocation through this instance clears the cache at once; other
/// instances notice it within this time.
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);
const CACHE_MAX: usize = 10_000;

/// Recently authenticated tokens, by hash: most requests of a client skip the
/// token lookup. Only successes are kept, so a wrong token always costs a
/// lookup (and is refused).
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (Actor, std::time::Instant)>>,
}

impl TokenCache {
    /// The actor `secret` stands for: from the cache while fresh, otherwise
    /// from the database.
    pub async fn authenticate<C: ConnectionTrait>(&self, db: &C, secret: &str) -> AppResult<Actor> {
        let hash = hash_token(secret);
        let now = std::time::Instant::now();
        if let Ok(map) = self.entries.lock()
            && let Some((actor, at)) = map.get(&hash)
            && now.duration_since(*at) < CACHE_TTL
        {
            return Ok(actor.clone());
        }
        let actor = authenticate(db, secret).await?;
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= CACHE_MAX {
                map.retain(|_, (_, at)| now.duration_since(*at) < CACHE_TTL);
                if map.len() >= CACHE_MAX {
                    map.clear();
                }
            }
            map.insert(hash, (actor.clone(), now));
        }
        Ok(actor)
    }

    /// Forgets every cached token (after a revocation).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }
}
