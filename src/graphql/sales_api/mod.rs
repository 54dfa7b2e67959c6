//! Invoice-sale, statement, voucher and notification operations: query and
//! mutation fields merged into the roots.

use crate::domain::id::{CompanyId, InvoiceId, SaleId};
use crate::store::by_id;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::connection::Window;
use super::ids::{decode_id, decode_optional};
use super::scalars::{Date, Decimal};
use super::types::ledger::{
    Job, JobConnection, Notification, NotificationConnection, Statement, Voucher, VoucherConnection,
};
use super::types::sale::{
    InvoiceSale, InvoiceSaleAgreement, InvoiceSaleConnection, InvoiceSaleQuote, InvoiceSaleStatus,
    SpotCheckOutcome,
};
use super::{actor, state, tenant};
use crate::client_error::GqlResult;
use crate::domain::money::parse_amount;
use crate::domain::sale::Agreement;
use crate::error::AppError;
use crate::services::sales as service;
use crate::store::{jobs, ledger, notifications, sales};

mod mutation;

pub use mutation::{AgreementInput, SaleMutation, SellInvoiceInput};

/// Invoice-sale queries.
#[derive(Default)]
pub struct SaleQuery;

/// A request from a company to be called by a seller.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct ContactRequest {
    /// Global ID.
    pub id: ID,
    /// The company that asked: pass it to `activateInvoiceSale`.
    pub company_id: ID,
    /// The company's name.
    pub company_name: String,
    /// The company's organisation number.
    pub organisation_number: String,
    /// Number to call.
    pub phone: String,
    /// The company's message.
    pub message: Option<String>,
    /// When it was asked.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The company's invoice-sale agreement now (null before the first
    /// activation): whether it is active, and on what terms.
    pub invoice_sale: Option<InvoiceSaleAgreement>,
}

impl From<sales::ContactRequest> for ContactRequest {
    fn from(r: sales::ContactRequest) -> Self {
        Self {
            id: super::ids::encode_id(r.id),
            company_id: super::ids::encode_id(r.company_id),
            company_name: r.company_name,
            organisation_number: r.organisation_number,
            phone: r.phone,
            message: r.message,
            created_at: r.created_at,
            invoice_sale: r.agreement.map(InvoiceSaleAgreement),
        }
    }
}

crate::connection_types!(
    ContactRequestConnection,
    ContactRequestEdge,
    ContactRequest,
    "contact requests"
);

#[Object(serial)]
impl SaleQuery {
    /// The current fees and payout for selling an invoice. `NOT_ELIGIBLE` until
    /// invoice sale is activated; otherwise `eligible` and `reasons` tell whether
    /// this invoice can be sold now.
    // A quote reads the agreement and sums the company's exposure and the
    // customer's history: it weighs 50 in a query's complexity.
    #[graphql(complexity = "50 + child_complexity")]
    async fn invoice_sale_quote(
        &self,
        ctx: &Context<'_>,
        invoice_id: ID,
    ) -> GqlResult<InvoiceSaleQuote> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&invoice_id, "invoiceId")?;
        Ok(InvoiceSaleQuote(service::quote(state(ctx), t, id).await?))
    }

    /// One sale; null when it does not exist or is not yours. Operators read
    /// any company's sale.
    async fn invoice_sale(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<InvoiceSale>> {
        let id = decode_id::<SaleId>(&id, "id")?;
        // Operators read any company's sale (to follow up a spot check or a
        // draw); a company only its own.
        Ok(by_id::get_in(&state(ctx).db, actor(ctx)?.reader()?, id)
            .await?
            .map(InvoiceSale::from))
    }

    /// The company's sales, newest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn invoice_sales(
        &self,
        ctx: &Context<'_>,
        status: Option<InvoiceSaleStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<InvoiceSaleConnection> {
        let t = tenant(ctx)?;
        let status = status.map(Into::into);
        InvoiceSaleConnection::read(
            ctx,
            Window::forward(first, after),
            InvoiceSale::from,
            sales::listing(t, status),
        )
        .await
    }

    /// The payments account (Kontoutdrag) from `from` to `to`, inclusive.
    async fn statement(&self, ctx: &Context<'_>, from: Date, to: Date) -> GqlResult<Statement> {
        let t = tenant(ctx)?;
        date_range(Some(from), Some(to))?;
        let db = &state(ctx).db;
        let (opening_ore, closing_ore) = ledger::balances(db, t, from.0, to.0).await?;
        Ok(Statement {
            from: from.0,
            to: to.0,
            opening_ore,
            closing_ore,
        })
    }

    /// The company's vouchers, in number order, booked from `from` to `to`
    /// (inclusive; either end may be left open, and `to` may not come before
    /// `from`).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn vouchers(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<VoucherConnection> {
        let t = tenant(ctx)?;
        let (from, to) = date_range(from, to)?;
        VoucherConnection::read(
            ctx,
            Window::forward(first, after),
            Voucher,
            ledger::vouchers(t, from, to),
        )
        .await
    }

    /// The company's notifications, newest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        unread_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<NotificationConnection> {
        let t = tenant(ctx)?;
        let unread = unread_only.unwrap_or(false);
        NotificationConnection::read(
            ctx,
            Window::forward(first, after),
            Notification,
            notifications::listing(t, unread),
        )
        .await
    }

    /// How many notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> GqlResult<u64> {
        let t = tenant(ctx)?;
        Ok(notifications::listing(t, true)
            .count(&state(ctx).db)
            .await?)
    }

    /// Operators: sales waiting for a spot check, oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn spot_check_queue(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<InvoiceSaleConnection> {
        let op = actor(ctx)?.operator()?;
        InvoiceSaleConnection::read(
            ctx,
            Window::forward(first, after),
            InvoiceSale::from,
            sales::spot_check_queue(op),
        )
        .await
    }

    /// Operators: sales the financier bought and has not collected in full
    /// (approved or paid out), oldest first, to record what comes in with
    /// `recordSaleCollection`; with `companyId`, one company's; with `ocr`,
    /// the sale of the invoice a customer's payment names by its reference
    /// (one of all companies; a reference made before references carried
    /// the company's id can name one sale of each company).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn sales_to_collect(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
        ocr: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<InvoiceSaleConnection> {
        let op = actor(ctx)?.operator()?;
        let company = decode_optional::<CompanyId>(company_id, "companyId")?;
        InvoiceSaleConnection::read(
            ctx,
            Window::forward(first, after),
            InvoiceSale::from,
            sales::to_collect(op, company, ocr.as_deref()),
        )
        .await
    }

    /// Operators: background jobs that failed `JOB_MAX_ATTEMPTS` times and wait
    /// for `retryDeadJob`, oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn dead_jobs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<JobConnection> {
        let op = actor(ctx)?.operator()?;
        JobConnection::read(ctx, Window::forward(first, after), Job, jobs::dead(op)).await
    }

    /// Operators: companies that asked to be called about invoice sale, newest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn contact_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ContactRequestConnection> {
        let op = actor(ctx)?.operator()?;
        ContactRequestConnection::read(
            ctx,
            Window::forward(first, after),
            ContactRequest::from,
            sales::contact_requests(op),
        )
        .await
    }
}

/// A range of days, either end open: `to` may not come before `from`.
fn date_range(
    from: Option<Date>,
    to: Option<Date>,
) -> GqlResult<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)> {
    let (from, to) = (from.map(|d| d.0), to.map(|d| d.0));
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(AppError::validation("to", "must not be before from").into());
    }
    Ok((from, to))
}
