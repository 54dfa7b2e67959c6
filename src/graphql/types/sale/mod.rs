//! Invoice-sale types: agreement, quote, sale, spot check, events, list icon.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::invoice::Invoice;
use crate::client_error::GqlResult;
use crate::domain::event::About;
use crate::domain::money::{from_ore, from_scaled};
use crate::domain::sale::{self as rules, SaleStatus};
use crate::graphql::actor;
use crate::graphql::ids::{cursor, encode_id};
use crate::graphql::scalars::{Date, Decimal};
use crate::services::sales::QuoteView;

mod events;

pub use events::{
    InvoiceListIcon, InvoiceListIconKind, InvoiceSaleConnection, InvoiceSaleEdge, InvoiceSaleEvent,
    InvoiceSaleEventKind, sale_icon,
};

/// A company's invoice-sale agreement: fee terms and credit limits.
pub struct InvoiceSaleAgreement(pub crate::domain::sale::Agreement);

/// A company's invoice-sale agreement: fee terms and credit limits.
#[Object(serial)]
impl InvoiceSaleAgreement {
    /// Whether invoice sale is active.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Invoice fee per sold invoice.
    async fn fixed_fee(&self) -> Decimal {
        self.0.fixed_fee_ore.into()
    }
    /// Factoring fee in percent of the amount sold, e.g. `2.9`.
    async fn percentage_fee(&self) -> Decimal {
        from_scaled(self.0.percentage_bp, 2).normalize().into()
    }
    /// The factoring fee is at least this.
    async fn minimum_fee(&self) -> Decimal {
        self.0.minimum_fee_ore.into()
    }
    /// Outstanding sold amount allowed per recipient.
    async fn customer_credit_limit(&self) -> Decimal {
        self.0.customer_limit_ore.into()
    }
    /// Outstanding sold amount allowed for the company.
    async fn total_credit_limit(&self) -> Decimal {
        self.0.total_limit_ore.into()
    }
}

/// Why something cannot happen or was refused: a stable code and a sentence.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Reason {
    /// Stable machine code, e.g. `OVERDUE`.
    pub code: String,
    /// A sentence for the user.
    pub message: String,
    /// The field concerned, if any.
    pub field: Option<String>,
}

impl From<&rules::Reason> for Reason {
    fn from(r: &rules::Reason) -> Self {
        Self {
            code: r.code.to_string(),
            message: r.message.clone(),
            field: r.field.map(str::to_string),
        }
    }
}

/// One fee of a sale.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Fee {
    /// `INVOICE_FEE` or `FACTORING_FEE`.
    pub kind: String,
    /// Description.
    pub description: String,
    /// Amount (no VAT: financial services).
    pub amount: Decimal,
}

impl From<&crate::domain::sale::FeeLine> for Fee {
    fn from(f: &crate::domain::sale::FeeLine) -> Self {
        Self {
            kind: f.kind.to_string(),
            description: f.description.clone(),
            amount: f.amount_ore.into(),
        }
    }
}

/// The current fees and payout for selling an invoice, to confirm with `sellInvoice`.
pub struct InvoiceSaleQuote(pub QuoteView);

/// The current fees and payout for selling an invoice, to confirm with `sellInvoice`.
#[Object(serial)]
impl InvoiceSaleQuote {
    /// The invoice.
    async fn invoice(&self) -> Invoice {
        Invoice::from(self.0.invoice.clone())
    }
    /// What is sold: the balance the customer pays (for house work, without the
    /// tax reduction that Skatteverket pays).
    async fn amount(&self) -> Decimal {
        self.0.quote.amount_ore.into()
    }
    /// The fees, itemised.
    async fn fees(&self) -> Vec<Fee> {
        self.0.quote.fees.iter().map(Fee::from).collect()
    }
    /// Sum of the fees.
    async fn total_fees(&self) -> Decimal {
        self.0.quote.total_fees_ore.into()
    }
    /// Amount minus fees: what reaches the company's bank account.
    async fn payout(&self) -> Decimal {
        self.0.quote.payout_ore.into()
    }
    /// The payout date if approved today: the next banking day.
    async fn payout_date(&self) -> Date {
        Date(self.0.payout_date)
    }
    /// Identifies exactly these terms; pass it to `sellInvoice`.
    async fn quote_id(&self) -> &str {
        &self.0.quote_id
    }
    /// Whether the invoice can be sold now.
    async fn eligible(&self) -> bool {
        self.0.quote.eligible()
    }
    /// Why not, when not eligible.
    async fn reasons(&self) -> Vec<Reason> {
        self.0.quote.reasons.iter().map(Reason::from).collect()
    }
}

/// Where a sale stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "SaleStatus")]
pub enum InvoiceSaleStatus {
    /// Sent for sale, being processed (clock in the list).
    Processing,
    /// Waiting for a spot check with the recipient (clock in the list).
    SpotCheck,
    /// Bought; the payout follows on the payout date (coins).
    Approved,
    /// Not bought (cross).
    Denied,
    /// Paid out to the company (coins).
    PaidOut,
    /// Withdrawn by the company before the decision (no icon, no fees).
    Withdrawn,
}

/// The answer of a spot check.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "rules::SpotCheckOutcome")]
pub enum SpotCheckOutcome {
    /// The recipient confirmed the invoice.
    Confirmed,
    /// The recipient disputed the invoice.
    Disputed,
    /// The recipient could not be reached (also applied at the deadline).
    NoAnswer,
}

/// A spot check of a sale: which rule selected it, and its outcome.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct SpotCheck {
    /// The rule that selected the sale, e.g. `FIRST_SALES`.
    pub rule: String,
    /// Why that rule exists.
    pub explanation: String,
    /// The outcome; null while pending.
    pub outcome: Option<SpotCheckOutcome>,
    /// The operator's internal note; null for company tokens, which never
    /// see it.
    pub note: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the default outcome applies if nobody answers.
    pub deadline: Option<DateTime<Utc>>,
}

/// Whether an operator token asks (operator-only fields answer null to
/// companies).
fn is_operator(ctx: &Context<'_>) -> bool {
    actor(ctx).is_ok_and(|a| a.operator().is_ok())
}

/// The sale of one invoice to the financier.
#[derive(Clone)]
pub struct InvoiceSale(pub std::sync::Arc<crate::store::sales::Sale>);

impl From<crate::store::sales::Sale> for InvoiceSale {
    fn from(s: crate::store::sales::Sale) -> Self {
        Self(std::sync::Arc::new(s))
    }
}

/// The sale of one invoice to the financier.
#[Object(serial)]
impl InvoiceSale {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// The invoice sold.
    async fn invoice(&self, ctx: &Context<'_>) -> GqlResult<Invoice> {
        actor(ctx)?;
        super::invoice::invoice_of_record(ctx, self.0.invoice_id).await
    }
    /// Where the sale stands.
    async fn status(&self) -> InvoiceSaleStatus {
        self.0.status.into()
    }
    /// The amount sold.
    async fn amount(&self) -> Decimal {
        self.0.amount_ore.into()
    }
    /// The fees, itemised.
    async fn fees(&self) -> Vec<Fee> {
        let s = &self.0;
        crate::domain::sale::fee_lines(s.invoice_fee_ore, s.factoring_fee_ore, s.percentage_bp)
            .iter()
            .map(Fee::from)
            .collect()
    }
    /// Sum of the fees.
    async fn total_fees(&self) -> Decimal {
        self.0.total_fees_ore.into()
    }
    /// Amount minus fees.
    async fn payout(&self) -> Decimal {
        self.0.payout_ore.into()
    }
    /// What the financier has collected from the customer so far (operators
    /// record it); the rest still counts against the credit limits.
    async fn collected(&self) -> Decimal {
        self.0.collected_ore.into()
    }
    /// The quote the sale was confirmed against.
    async fn quote_id(&self) -> &str {
        &self.0.quote_id
    }
    /// When the company asked to sell.
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
    /// When the financier decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// The payout date (the next banking day after approval).
    async fn payout_date(&self) -> Option<Date> {
        self.0.payout_date.map(Date)
    }
    /// When the payout left.
    async fn paid_out_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_out_at
    }
    /// The spot check; null when the sale was not selected.
    async fn spot_check(&self, ctx: &Context<'_>) -> Option<SpotCheck> {
        let rule = self.0.spot_check_rule.clone()?;
        let operator = is_operator(ctx);
        Some(SpotCheck {
            explanation: rules::spot_check_rule(&rule)
                .map_or("", |r| r.explanation)
                .to_string(),
            rule,
            outcome: self.0.spot_check_outcome.map(Into::into),
            note: if operator {
                self.0.spot_check_note.clone()
            } else {
                None
            },
            resolved_at: self.0.spot_check_resolved_at,
            deadline: self.0.spot_check_deadline,
        })
    }
    /// Operators: this sale's routine spot-check draw (0-999, keyed with the
    /// server's secret), to reproduce why it was or was not sampled: a routine
    /// sample is drawn when the number is under the company's sampling share
    /// in per mille. Null for company tokens.
    async fn sampling_draw(&self, ctx: &Context<'_>) -> Option<i32> {
        is_operator(ctx).then(|| {
            let key = &crate::graphql::state(ctx).sampling_key;
            crate::domain::sale::sampling_draw(key, self.0.company_id, self.0.id) as i32
        })
    }
    /// Why the sale was denied.
    async fn denial_reason(&self) -> Option<Reason> {
        Some(Reason {
            code: self.0.denial_code.clone()?,
            message: self.0.denial_message.clone().unwrap_or_default(),
            field: None,
        })
    }
    /// Every event of the sale, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> GqlResult<Vec<InvoiceSaleEvent>> {
        let rows = super::history_of(ctx, About::Sale(self.0.id)).await?;
        Ok(rows
            .iter()
            .map(|e| InvoiceSaleEvent::new(e, self.clone()))
            .collect::<Result<Vec<_>, _>>()?)
    }
}
