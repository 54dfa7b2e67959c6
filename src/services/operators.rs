//! Operator housekeeping: API tokens of companies and operators, and dead
//! jobs. Every action is written to the audit log in its own transaction.

use crate::domain::id::{CompanyId, JobId, TokenId};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::error::{AppError, AppResult, OrNotFound};
use crate::state::AppState;
use crate::store::tokens::{self, NewToken, TokenInfo};
use crate::store::{Operator, Role, audit, jobs};

/// The longest a token made through the API may live: a year.
pub const MAX_TOKEN_LIFETIME_DAYS: i64 = 366;

fn token_json(t: &TokenInfo) -> serde_json::Value {
    json!({
        "label": t.label,
        "role": t.role.as_str(),
        "expiresAt": t.expires_at,
        "revokedAt": t.revoked_at,
    })
}

/// The expiry of a token made through the API: `days` from now (default 90,
/// at most a year).
pub fn api_token_expiry(state: &AppState, days: Option<i64>) -> AppResult<DateTime<Utc>> {
    let days = days.unwrap_or(90);
    if !(1..=MAX_TOKEN_LIFETIME_DAYS).contains(&days) {
        return Err(AppError::validation(
            "expiresInDays",
            format!("must be between 1 and {MAX_TOKEN_LIFETIME_DAYS}"),
        ));
    }
    Ok(state.clock.now() + TimeDelta::days(days))
}

/// Creates a token for a company (or, without one, for an operator) that
/// expires at `expires_at` (never: `None`); returns it with its secret,
/// shown only now.
pub async fn create_token(
    state: &AppState,
    op: Operator,
    company_id: Option<CompanyId>,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<(TokenInfo, String)> {
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    if let Some(c) = company_id
        && crate::store::by_id::get_any(&txn, op, c).await?.is_none()
    {
        return Err(AppError::not_found("company", "companyId"));
    }
    let role = if company_id.is_some() {
        Role::Company
    } else {
        Role::Operator
    };
    let new = NewToken {
        company_id,
        role,
        label,
        expires_at,
    };
    let (id, secret) = tokens::create(&txn, new, now).await?;
    let info = tokens::get(&txn, op, id)
        .await?
        .ok_or_else(|| AppError::Internal("a created token is missing".into()))?;
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: crate::store::audit::action::CREATE_TOKEN,
            company_id,
            subject: format!("ApiToken:{id}"),
            before: None,
            after: Some(token_json(&info)),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((info, secret))
}

/// Revokes a token: refused from now on, its WebSockets closed (4403).
/// Revoking a revoked token changes nothing and records nothing.
pub async fn revoke_token(state: &AppState, op: Operator, id: TokenId) -> AppResult<TokenInfo> {
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    let before = tokens::get(&txn, op, id)
        .await?
        .or_not_found("token", "tokenId")?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    let after = tokens::revoke(&txn, op, id, now)
        .await?
        .or_not_found("token", "tokenId")?;
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: crate::store::audit::action::REVOKE_TOKEN,
            company_id: before.company_id,
            subject: format!("ApiToken:{id}"),
            before: Some(token_json(&before)),
            after: Some(token_json(&after)),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.tokens.mark_revoked([id]);
    Ok(after)
}

/// Gives a dead job a fresh start: due now, attempts from zero.
pub async fn retry_dead_job(state: &AppState, op: Operator, id: JobId) -> AppResult<jobs::Job> {
    let txn = state.begin_ordered().await?;
    let (before, job) = jobs::revive(&txn, op, id)
        .await?
        .or_not_found("dead job", "jobId")?;
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: crate::store::audit::action::RETRY_DEAD_JOB,
            company_id: Some(job.tenant.company_id()),
            subject: format!("Job:{id}"),
            before: Some(json!({
                "kind": before.kind_name(),
                "dead": before.dead,
                "attempts": before.attempts,
                "lastError": before.last_error,
            })),
            after: Some(
                json!({"kind": job.kind_name(), "dead": job.dead, "attempts": job.attempts}),
            ),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(job)
}
