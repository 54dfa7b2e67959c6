//! Operators' housekeeping API: API tokens (list, create with an expiry,
//! revoke), dead jobs, and the audit log of operator actions.

use crate::domain::id::{CompanyId, JobId, TokenId};
use async_graphql::{Context, Enum, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::connection::Window;
use super::ids::{decode_id, decode_optional, encode_id};
use super::{actor, state};
use crate::client_error::GqlResult;
use crate::services::operators as service;
use crate::store::{Role, audit, tokens};

/// Whom a token acts as.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TokenRole {
    /// A user of one company.
    Company,
    /// The financier's staff.
    Operator,
}

/// An API token, never with its secret.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct ApiToken {
    /// Global ID.
    pub id: ID,
    /// The label it was given.
    pub label: String,
    /// Whom it acts as.
    pub role: TokenRole,
    /// The company of a company token.
    pub company_id: Option<ID>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops being accepted; null: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub active: bool,
}

impl ApiToken {
    fn of(t: tokens::TokenInfo, now: DateTime<Utc>) -> Self {
        Self {
            id: encode_id(t.id),
            active: t.revoked_at.is_none() && t.expires_at.is_none_or(|at| at > now),
            label: t.label,
            role: match t.role {
                Role::Company => TokenRole::Company,
                Role::Operator => TokenRole::Operator,
            },
            company_id: t.company_id.map(encode_id),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token just created: the only time its secret is shown.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct CreatedApiToken {
    /// The token.
    pub token: ApiToken,
    /// The secret to send as `Authorization: Bearer <secret>`. It is stored
    /// hashed and cannot be shown again.
    pub secret: String,
}

/// One operator action.
pub struct AuditEntry(crate::store::audit::Recorded);

/// One operator action: who, when, what, and the values before and after.
#[Object(serial)]
impl AuditEntry {
    /// Global ID.
    async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// When it was done.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The operator's token; null for the server's command line.
    async fn token_id(&self) -> Option<ID> {
        self.0.token_id.map(encode_id)
    }
    /// The label of the token that acted, as it was then.
    async fn actor(&self) -> &str {
        &self.0.token_label
    }
    /// What was done: `ACTIVATE_INVOICE_SALE`, `DEACTIVATE_INVOICE_SALE`,
    /// `RESOLVE_SPOT_CHECK`, `RECORD_COLLECTION`, `REJECT_NOX_FINANS_CASE`,
    /// `RETRY_DEAD_JOB`, `CREATE_TOKEN` or `REVOKE_TOKEN`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The company concerned.
    async fn company_id(&self) -> Option<ID> {
        self.0.company_id.map(encode_id)
    }
    /// What was acted on, as `Type:number` (e.g. `InvoiceSale:42`).
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The values before (null when the thing was created).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        parse_json(self.0.before.as_deref())
    }
    /// The values after.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        parse_json(self.0.after.as_deref())
    }
}

fn parse_json(s: Option<&str>) -> Option<Json<serde_json::Value>> {
    s.and_then(|s| serde_json::from_str(s).ok()).map(Json)
}

crate::connection_types!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    "audit log entries"
);

/// Operators' queries.
#[derive(Default)]
pub struct OperatorQuery;

#[Object(serial)]
impl OperatorQuery {
    /// Operators: API tokens, newest first; with `companyId` only that
    /// company's.
    #[graphql(complexity = "20 * child_complexity")]
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
    ) -> GqlResult<Vec<ApiToken>> {
        let op = actor(ctx)?.operator()?;
        let company = decode_optional::<CompanyId>(company_id, "companyId")?;
        let st = state(ctx);
        let now = st.clock.now();
        Ok(tokens::list(&st.db, op, company)
            .await?
            .into_iter()
            .map(|t| ApiToken::of(t, now))
            .collect())
    }

    /// Operators: the audit log of operator actions, newest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most the server's maximum).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Only this company's entries.")] company_id: Option<ID>,
        #[graphql(desc = "Only this action, e.g. `REVOKE_TOKEN`.")] action: Option<String>,
    ) -> GqlResult<AuditEntryConnection> {
        let op = actor(ctx)?.operator()?;
        let filter = audit::Filter {
            company_id: decode_optional::<CompanyId>(company_id, "companyId")?,
            action,
        };
        AuditEntryConnection::read(
            ctx,
            Window::forward(first, after),
            AuditEntry,
            audit::listing(op, &filter),
        )
        .await
    }
}

/// Operators' mutations.
#[derive(Default)]
pub struct OperatorMutation;

#[Object(serial)]
impl OperatorMutation {
    /// Operators: creates an API token for a company (or, without
    /// `companyId`, for an operator) that expires after `expiresInDays`
    /// (default 90, at most 366). The secret is in the answer only.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company; null: an operator token.")] company_id: Option<ID>,
        #[graphql(desc = "A label to recognise it by (1 to 100 characters).")] label: String,
        #[graphql(desc = "Days until it expires (default 90, at most 366).")]
        expires_in_days: Option<i32>,
    ) -> GqlResult<CreatedApiToken> {
        let op = actor(ctx)?.operator()?;
        let company = decode_optional::<CompanyId>(company_id, "companyId")?;
        let st = state(ctx);
        let expires_at = service::api_token_expiry(st, expires_in_days.map(i64::from))?;
        let (info, secret) =
            service::create_token(st, op, company, &label, Some(expires_at)).await?;
        Ok(CreatedApiToken {
            token: ApiToken::of(info, st.clock.now()),
            secret,
        })
    }

    /// Operators: revokes an API token. It is refused from now on, and its
    /// open WebSockets are closed with 4403 within seconds.
    async fn revoke_api_token(&self, ctx: &Context<'_>, token_id: ID) -> GqlResult<ApiToken> {
        let op = actor(ctx)?.operator()?;
        let id = decode_id::<TokenId>(&token_id, "tokenId")?;
        let st = state(ctx);
        Ok(ApiToken::of(
            service::revoke_token(st, op, id).await?,
            st.clock.now(),
        ))
    }

    /// Operators: gives a dead job a fresh start: due now, attempts from zero.
    async fn retry_dead_job(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
    ) -> GqlResult<super::types::ledger::Job> {
        let op = actor(ctx)?.operator()?;
        let id = decode_id::<JobId>(&job_id, "jobId")?;
        Ok(super::types::ledger::Job(
            service::retry_dead_job(state(ctx), op, id).await?,
        ))
    }
}
