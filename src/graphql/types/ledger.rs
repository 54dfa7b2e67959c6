//! The payments-account statement, vouchers and notifications.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::invoice::Invoice;
use crate::client_error::GqlResult;
use crate::domain::OrNewer;
use crate::domain::ledger::{EntryKind, account_name};
use crate::domain::money::Ore;
use crate::graphql::connection::Window;
use crate::graphql::ids::encode_id;
use crate::graphql::loaders::VoucherRowsLoader;
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{loader, tenant};
use crate::store::ledger;

/// What moved money on the payments account.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum StatementEntryKind {
    /// A sold invoice's amount, in.
    InvoiceSold,
    /// A sale fee, out.
    SaleFee,
    /// A customer payment collected, in.
    CustomerPayment,
    /// A service fee, out.
    ServiceFee,
    /// Paid out to the company's bank account.
    Payout,
    /// An invoice bought back.
    Buyback,
    /// Nox Finans fees that no payout covered, moved to a monthly invoice, in.
    FeesInvoiced,
    /// A correction.
    Adjustment,
    /// A kind this server does not know yet: a newer version booked it
    /// during an upgrade. Its description and amount stand.
    Other,
}

impl From<&OrNewer<EntryKind>> for StatementEntryKind {
    fn from(kind: &OrNewer<EntryKind>) -> Self {
        match kind {
            OrNewer::Known(EntryKind::InvoiceSold) => Self::InvoiceSold,
            OrNewer::Known(EntryKind::SaleFee) => Self::SaleFee,
            OrNewer::Known(EntryKind::CustomerPayment) => Self::CustomerPayment,
            OrNewer::Known(EntryKind::ServiceFee) => Self::ServiceFee,
            OrNewer::Known(EntryKind::Payout) => Self::Payout,
            OrNewer::Known(EntryKind::Buyback) => Self::Buyback,
            OrNewer::Known(EntryKind::FeesInvoiced) => Self::FeesInvoiced,
            OrNewer::Known(EntryKind::Adjustment) => Self::Adjustment,
            OrNewer::Newer(_) => Self::Other,
        }
    }
}

/// An immutable entry on the payments account (Kontoutdrag).
pub struct StatementEntry(pub crate::store::ledger::Entry);

/// An immutable entry on the payments account (Kontoutdrag).
#[Object(serial)]
impl StatementEntry {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// The banking day it was booked.
    async fn booked_on(&self) -> Date {
        Date(self.0.booked_on)
    }
    /// What moved the money.
    async fn kind(&self) -> StatementEntryKind {
        (&self.0.kind).into()
    }
    /// Text.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Into the account (+) or out of it (−).
    async fn amount(&self) -> Decimal {
        self.0.amount_ore.into()
    }
    /// The balance after this entry.
    async fn balance_after(&self) -> Decimal {
        self.0.balance_after_ore.into()
    }
    /// The invoice concerned.
    async fn invoice(&self, ctx: &Context<'_>) -> GqlResult<Option<Invoice>> {
        super::invoice::invoice_of(ctx, self.0.invoice_id).await
    }
}

crate::connection_types!(
    StatementEntryConnection,
    StatementEntryEdge,
    StatementEntry,
    "statement entries"
);

/// The payments account over a period: opening balance, entries, closing balance.
pub struct Statement {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Balance before the first day.
    pub opening_ore: Ore,
    /// Balance after the last day.
    pub closing_ore: Ore,
}

/// The payments account over a period: opening balance, entries, closing balance.
#[Object(serial)]
impl Statement {
    /// First day.
    async fn from(&self) -> Date {
        Date(self.from)
    }
    /// Last day.
    async fn to(&self) -> Date {
        Date(self.to)
    }
    /// Balance at the start of `from`.
    async fn opening_balance(&self) -> Decimal {
        self.opening_ore.into()
    }
    /// Balance at the end of `to`: the opening balance plus every entry between.
    async fn closing_balance(&self) -> Decimal {
        self.closing_ore.into()
    }
    /// The entries, in booking order, with the running balance.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn entries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<StatementEntryConnection> {
        let t = tenant(ctx)?;
        StatementEntryConnection::read(
            ctx,
            Window::forward(first, after),
            StatementEntry,
            ledger::entries_between(t, self.from, self.to),
        )
        .await
    }
}

/// A row of a voucher.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct VoucherRow {
    /// BAS account number.
    pub account: i32,
    /// BAS account name.
    pub account_name: String,
    /// Debit.
    pub debit: Decimal,
    /// Credit.
    pub credit: Decimal,
}

/// A bookkeeping voucher (verifikation); its debits always equal its credits.
pub struct Voucher(pub crate::store::ledger::Voucher);

/// A bookkeeping voucher (verifikation); its debits always equal its credits.
#[Object(serial)]
impl Voucher {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// Voucher series (`F`: invoice sale).
    async fn series(&self) -> &str {
        &self.0.series
    }
    /// Number within the company.
    async fn number(&self) -> i64 {
        self.0.number
    }
    /// Accounting date.
    async fn date(&self) -> Date {
        Date(self.0.date)
    }
    /// Text.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Rows: sum of debits equals sum of credits.
    async fn rows(&self, ctx: &Context<'_>) -> GqlResult<Vec<VoucherRow>> {
        let rows = loader::<VoucherRowsLoader>(ctx)?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| VoucherRow {
                account: r.account,
                account_name: account_name(r.account).to_string(),
                debit: r.debit_ore.into(),
                credit: r.credit_ore.into(),
            })
            .collect())
    }
}

crate::connection_types!(VoucherConnection, VoucherEdge, Voucher, "vouchers");

/// A message for the notification bar.
pub struct Notification(pub crate::store::notifications::Notification);

/// A message for the notification bar.
#[Object(serial)]
impl Notification {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// What it is about: `SALE_SENT`, `SALE_APPROVED`, `SALE_DENIED`, `SALE_PAID_OUT`,
    /// `INVOICE_SALE_ACTIVATED`, … Kinds are added over time, so this is a string:
    /// show `message` for one you do not know.
    async fn kind(&self) -> &str {
        self.0.kind.as_str()
    }
    /// The text.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// The invoice concerned.
    async fn invoice(&self, ctx: &Context<'_>) -> GqlResult<Option<Invoice>> {
        super::invoice::invoice_of(ctx, self.0.invoice_id).await
    }
    /// Whether it has been marked read.
    async fn read(&self) -> bool {
        self.0.read
    }
}

crate::connection_types!(
    NotificationConnection,
    NotificationEdge,
    Notification,
    "notifications"
);

/// A background job that failed too often and waits for an operator.
pub struct Job(pub crate::store::jobs::Job);

/// A background job (payouts, timeline steps, acceptance, spot-check deadlines).
#[async_graphql::Object(serial)]
impl Job {
    /// Global ID.
    async fn id(&self) -> async_graphql::ID {
        crate::graphql::ids::encode_id(self.0.id)
    }
    /// What it does, e.g. `NOX_PAYOUT`.
    async fn kind(&self) -> &str {
        self.0.kind_name()
    }
    /// The company it acts for.
    async fn company_id(&self) -> async_graphql::ID {
        crate::graphql::ids::encode_id(self.0.tenant.company_id())
    }
    /// The row it acts on (a sale, a case or the company), by number.
    async fn subject(&self) -> String {
        self.0.subject_key().to_string()
    }
    /// How many times it was tried.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The last failure.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// Failed too often: it waits for `retryDeadJob`.
    async fn dead(&self) -> bool {
        self.0.dead
    }
    /// When it was due.
    async fn run_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.0.run_at_ms)
    }
}

crate::connection_types!(JobConnection, JobEdge, Job, "jobs");
