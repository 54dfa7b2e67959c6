//! API tokens: a random secret is shown once; only its SHA-256 hash is stored.
//!
//! SHA-256 without salt is right here because the secret is 256 random bits, not a
//! password: there is nothing to brute-force, and lookup by hash stays an index hit.
//!
//! A token may expire (`expires_at`) and may be revoked (`revoked_at`); either
//! way it is refused from then on. Each instance learns of revocations made
//! elsewhere by [`watch_revocations`], and open WebSockets of a revoked or
//! expired token are closed (4403).

use crate::domain::id::{CompanyId, TokenId};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::api_token;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::{Actor, Operator, Role};
use crate::error::{AppError, AppResult};

/// Prefix that makes a token recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "ifin_";

/// Hex SHA-256 of a token secret.
pub fn hash_token(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is known of a token, never its secret.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// The token id.
    pub id: TokenId,
    /// Its label.
    pub label: String,
    /// Its role.
    pub role: Role,
    /// The company of a company token.
    pub company_id: Option<CompanyId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it expires; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenInfo {
    fn from_row(row: api_token::Model) -> Option<Self> {
        Some(Self {
            role: Role::parse(&row.role)?,
            id: TokenId::new(row.id),
            label: row.label,
            company_id: row.company_id.map(CompanyId::new),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
        })
    }
}

/// The longest token label, in characters.
const MAX_LABEL_CHARS: usize = 100;

/// A token to create.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// The company of a company token.
    pub company_id: Option<CompanyId>,
    /// The role.
    pub role: Role,
    /// A label to recognise it by.
    pub label: &'a str,
    /// When it stops being accepted; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates a token and returns its secret (the only time it exists in clear)
/// with its id.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    new: NewToken<'_>,
    now: DateTime<Utc>,
) -> AppResult<(TokenId, String)> {
    if new.role == Role::Company && new.company_id.is_none() {
        return Err(AppError::validation(
            "company",
            "a company token needs a company",
        ));
    }
    let label = crate::domain::required_text("label", new.label, MAX_LABEL_CHARS)?;
    if new.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::validation(
            "expiresIn",
            "a token must expire in the future",
        ));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let row = api_token::ActiveModel {
        company_id: Set(new.company_id.map(CompanyId::get)),
        role: Set(new.role.as_str().to_string()),
        token_hash: Set(hash_token(&secret)),
        label: Set(label.to_string()),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((TokenId::new(row.id), secret))
}

/// Creates a token that never expires; its secret.
pub async fn create_simple<C: ConnectionTrait>(
    db: &C,
    company_id: Option<CompanyId>,
    role: Role,
    label: &str,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let new = NewToken {
        company_id,
        role,
        label,
        expires_at: None,
    };
    Ok(create(db, new, now).await?.1)
}

/// How often `last_used_at` is written for a token in use.
const LAST_USED_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The actor a token secret stands for, or `UNAUTHENTICATED` (unknown,
/// expired or revoked).
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Actor> {
    let unauthenticated = |why: &str| AppError::Unauthenticated(format!("the API token {why}"));
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Err(unauthenticated("is not valid"));
    }
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash_token(secret)))
        .one(db)
        .await?
        .ok_or_else(|| unauthenticated("is not valid"))?;
    if row.revoked_at.is_some() {
        return Err(unauthenticated("was revoked"));
    }
    if row.expires_at.is_some_and(|at| at <= now) {
        return Err(unauthenticated("has expired"));
    }
    let role = Role::parse(&row.role).ok_or_else(|| unauthenticated("is not valid"))?;
    if row
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_RESOLUTION)
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_token::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Actor {
        token_id: TokenId::new(row.id),
        role,
        company_id: row.company_id.map(CompanyId::new),
        label: row.label,
        expires_at: row.expires_at,
    })
}

/// Every token, or those of one company, newest first. Operators only.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    company_id: Option<CompanyId>,
) -> AppResult<Vec<TokenInfo>> {
    let mut q = api_token::Entity::find().order_by_desc(api_token::Column::Id);
    if let Some(c) = company_id {
        q = q.filter(api_token::Column::CompanyId.eq(c));
    }
    Ok(q.all(db)
        .await?
        .into_iter()
        .filter_map(TokenInfo::from_row)
        .collect())
}

/// One token by id. Operators only.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    id: TokenId,
) -> AppResult<Option<TokenInfo>> {
    Ok(api_token::Entity::find_by_id(id.get())
        .one(db)
        .await?
        .and_then(TokenInfo::from_row))
}

/// Revokes a token (again is a no-op); the token as it now stands, or `None`
/// when there is no such token. Operators only.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    op: Operator,
    id: TokenId,
    now: DateTime<Utc>,
) -> AppResult<Option<TokenInfo>> {
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    get(db, op, id).await
}

/// Ids of every revoked token.
async fn revoked_ids<C: ConnectionTrait>(db: &C) -> AppResult<HashSet<TokenId>> {
    let ids: Vec<i64> = api_token::Entity::find()
        .select_only()
        .column(api_token::Column::Id)
        .filter(api_token::Column::RevokedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(TokenId::new).collect())
}

/// How long an authenticated token is trusted without asking the database
/// again. A revocation through this instance clears the cache at once; other
/// instances notice it within [`REVOCATION_POLL`].
pub const CACHE_TTL: Duration = Duration::from_secs(5);
/// How often each instance looks for tokens revoked elsewhere.
pub const REVOCATION_POLL: Duration = Duration::from_secs(1);
const CACHE_MAX: usize = 10_000;

/// Recently authenticated tokens, by hash: most requests of a client skip the
/// token lookup. Only successes are kept, so a wrong token always costs a
/// lookup (and is refused). It also knows which tokens are revoked, and
/// tells open WebSockets when that set grows.
#[derive(Debug)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Actor, Instant)>>,
    revoked: Mutex<HashSet<TokenId>>,
    changed: watch::Sender<u64>,
}

impl Default for TokenCache {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
            revoked: Mutex::default(),
            changed: watch::channel(0).0,
        }
    }
}

impl TokenCache {
    /// The actor `secret` stands for: from the cache while fresh, otherwise
    /// from the database.
    pub async fn authenticate<C: ConnectionTrait>(
        &self,
        db: &C,
        secret: &str,
        now: DateTime<Utc>,
    ) -> AppResult<Actor> {
        let hash = hash_token(secret);
        let at = Instant::now();
        if let Ok(map) = self.entries.lock()
            && let Some((actor, seen)) = map.get(&hash)
            && at.duration_since(*seen) < CACHE_TTL
            && !actor.expired(now)
            && !self.is_revoked(actor.token_id)
        {
            return Ok(actor.clone());
        }
        let actor = authenticate(db, secret, now).await?;
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= CACHE_MAX {
                map.retain(|_, (_, seen)| at.duration_since(*seen) < CACHE_TTL);
                if map.len() >= CACHE_MAX {
                    map.clear();
                }
            }
            map.insert(hash, (actor.clone(), at));
        }
        Ok(actor)
    }

    /// Whether token `id` is known to be revoked.
    pub fn is_revoked(&self, id: TokenId) -> bool {
        self.revoked
            .lock()
            .map(|s| s.contains(&id))
            .unwrap_or(false)
    }

    /// Records revocations: the cache forgets those tokens and open
    /// WebSockets are told.
    pub fn mark_revoked(&self, ids: impl IntoIterator<Item = TokenId>) {
        let mut grew = false;
        if let Ok(mut set) = self.revoked.lock() {
            for id in ids {
                grew |= set.insert(id);
            }
        }
        if grew {
            if let Ok(mut map) = self.entries.lock() {
                map.retain(|_, (actor, _)| !self.is_revoked(actor.token_id));
            }
            self.changed.send_modify(|n| *n += 1);
        }
    }

    /// Fires whenever a token is newly known to be revoked.
    pub fn revocations(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Forgets every cached token.
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }
}

/// Polls the database for tokens revoked by other instances (or by the CLI)
/// until `stop` fires.
pub async fn watch_revocations<C: ConnectionTrait>(
    db: C,
    cache: std::sync::Arc<TokenCache>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(REVOCATION_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        match revoked_ids(&db).await {
            Ok(ids) => cache.mark_revoked(ids),
            Err(e) => tracing::warn!(error = %e, "looking for revoked tokens failed"),
        }
    }
}
