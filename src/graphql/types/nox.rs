//! Nox Finans types: settings, prices, the send view, cases and events.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::invoice::Invoice;
use super::sale::Reason;
use crate::client_error::GqlResult;
use crate::domain::event::About;
use crate::domain::nox::{self as rules, Finding};
use crate::domain::nox_case::NoxStatus;
use crate::error::AppError;
use crate::graphql::ids::{cursor, encode_id};
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{loader, state};
use crate::services::nox::CandidateRow;

/// The two Nox Finans services.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "rules::Service")]
pub enum NoxFinansService {
    /// Fakturaservice: Nox Finans sends the invoice and runs the whole process.
    InvoiceService,
    /// Påminnelseservice: handed over once overdue, from the reminder on.
    ReminderService,
}

/// How Nox Finans delivers an invoice.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "rules::Delivery")]
pub enum DeliveryMethod {
    /// By letter.
    Letter,
    /// By e-mail.
    Email,
}

/// The colour of a send-view row.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "rules::Colour")]
pub enum EligibilityColour {
    /// May be sent.
    Green,
    /// May be sent; complete the data first if you can.
    Yellow,
    /// May not be sent until completed.
    Red,
}

impl From<&Finding> for Reason {
    fn from(f: &Finding) -> Self {
        Reason {
            code: f.code.into(),
            message: f.message.into(),
            field: f.field.map(Into::into),
        }
    }
}

/// A company's Nox Finans settings.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct NoxFinansSettings {
    /// Terms-of-payment codes that may be sent via Nox Finans.
    pub active_terms_of_payment: Vec<String>,
    /// Delivery used when a send does not name one.
    pub default_delivery: DeliveryMethod,
    /// At the end of the reminder steps, take invoices back instead of
    /// long-term monitoring.
    pub recall_instead_of_monitoring: bool,
}

/// One line of the Nox Finans price list.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct NoxFinansPrice {
    /// The service it belongs to; null for both.
    pub service: Option<NoxFinansService>,
    /// Stable item code, e.g. `LETTER`.
    pub item: String,
    /// Description.
    pub description: String,
    /// Price.
    pub amount: Decimal,
}

/// The price list, from the one table every charge reads.
pub fn price_list() -> Vec<NoxFinansPrice> {
    rules::PRICE_LIST
        .iter()
        .map(|p| NoxFinansPrice {
            service: p.service.map(Into::into),
            item: p.item.into(),
            description: p.description.into(),
            amount: p.amount_ore.into(),
        })
        .collect()
}

/// A row of the send-via-Nox-Finans view.
pub struct NoxFinansCandidate(pub CandidateRow);

/// A row of the send-via-Nox-Finans view.
#[Object(serial)]
impl NoxFinansCandidate {
    /// The invoice.
    async fn invoice(&self) -> Invoice {
        // With the customer its row was read with: `invoice.customer` asks
        // no loader.
        Invoice::with_customer(self.0.invoice.clone(), self.0.customer.clone())
    }
    /// Green, yellow or red.
    async fn colour(&self) -> EligibilityColour {
        self.0.assessment.colour.into()
    }
    /// Why it is red; one reason per failed rule.
    async fn blockers(&self) -> Vec<Reason> {
        self.0
            .assessment
            .blockers
            .iter()
            .map(Reason::from)
            .collect()
    }
    /// What to complete first (makes the row yellow; may accompany red).
    async fn warnings(&self) -> Vec<Reason> {
        self.0
            .assessment
            .warnings
            .iter()
            .map(Reason::from)
            .collect()
    }
    /// Hidden with the trash can.
    async fn hidden(&self) -> bool {
        self.0.hidden
    }
}

crate::connection_types!(
    NoxFinansCandidateConnection,
    NoxFinansCandidateEdge,
    NoxFinansCandidate,
    "send-view rows"
);

/// Where a case stands at Nox Finans.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "NoxStatus")]
pub enum NoxFinansStatus {
    /// Waiting for Nox Finans to accept.
    Submitted,
    /// Refused by Nox Finans (see `rejectionReason`); the invoice can be sent again.
    Rejected,
    /// Accepted.
    Accepted,
    /// Sent to the customer by letter or e-mail.
    Delivered,
    /// E-mail notice a few days after the due date (no fee).
    OverdueNoticeSent,
    /// Reminder (påminnelse) sent, with fee.
    ReminderSent,
    /// Debt collection notice sent.
    DebtCollection,
    /// Long-term monitoring (långtidsbevakning).
    LongTermMonitoring,
    /// The customer's part is paid.
    Paid,
    /// Recalled by the company (or returned instead of long-term monitoring);
    /// the invoice can be sent again.
    Recalled,
    /// Credited in full by a credit note.
    Credited,
}

/// Money a case has collected and where it went.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct NoxFinansCollected {
    /// Towards the invoice.
    pub capital: Decimal,
    /// Towards the customer's reminder and collection fees.
    pub fees: Decimal,
    /// Towards late-payment interest.
    pub interest: Decimal,
    /// All of it.
    pub total: Decimal,
    /// Kept by Nox Finans: long-term monitoring's share and the company's Nox
    /// Finans fees set off against payouts.
    pub kept: Decimal,
    /// Paid out to the company's bank account.
    pub paid_out: Decimal,
    /// Booked on the payments account, paid out the next banking day.
    pub pending: Decimal,
}

/// An invoice handed to Nox Finans.
#[derive(Clone)]
pub struct NoxFinansCase(pub crate::store::nox::Case);

impl NoxFinansCase {
    async fn owed(&self, ctx: &Context<'_>) -> GqlResult<crate::services::nox_case::Owed> {
        use crate::services::nox_case::{claims_interest, owed_from};
        let inv = super::invoice::invoice_of_record(ctx, self.0.invoice_id)
            .await?
            .0;
        let payments = if claims_interest(&self.0) {
            loader::<crate::graphql::loaders::PaymentsLoader>(ctx)?
                .load_one(self.0.invoice_id)
                .await?
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let state = state(ctx);
        Ok(owed_from(
            &self.0,
            &inv,
            &payments,
            &state.reference_rates,
            state.clock.today(),
        ))
    }
}

crate::connection_types!(
    NoxFinansCaseConnection,
    NoxFinansCaseEdge,
    NoxFinansCase,
    "Nox Finans cases"
);

/// An invoice handed to Nox Finans.
#[Object(serial)]
impl NoxFinansCase {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// The invoice.
    async fn invoice(&self, ctx: &Context<'_>) -> GqlResult<Invoice> {
        super::invoice::invoice_of_record(ctx, self.0.invoice_id).await
    }
    /// The service.
    async fn service(&self) -> NoxFinansService {
        self.0.service.into()
    }
    /// How the invoice is delivered.
    async fn delivery(&self) -> DeliveryMethod {
        self.0.delivery.into()
    }
    /// Where the case stands.
    async fn status(&self) -> NoxFinansStatus {
        self.0.status.into()
    }
    /// Why Nox Finans rejected the invoice.
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }
    /// Whether the case is taken back instead of long-term monitoring.
    async fn recall_instead_of_monitoring(&self) -> bool {
        self.0.recall_instead_of_monitoring
    }
    /// Days of pause used (at most 60 per case).
    async fn pause_days_used(&self) -> i32 {
        self.0.pause_days_used
    }
    /// When it was sent to Nox Finans.
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    /// Set while the case is paused.
    async fn paused_until(&self) -> Option<Date> {
        self.0.paused_until.map(Date)
    }
    /// What happens next, e.g. `Reminder`.
    async fn next_event(&self) -> Option<&str> {
        self.0.next_event.as_deref()
    }
    /// When it happens.
    async fn next_event_date(&self) -> Option<Date> {
        self.0.next_event_date.map(Date)
    }
    /// The customer's part of the invoice when it was handed over (for a
    /// ROT/RUT invoice Skatteverket's part is never with Nox Finans).
    async fn claim(&self) -> Decimal {
        self.0.claim_ore.into()
    }
    /// What the customer still owes of the invoice.
    async fn capital_balance(&self) -> Decimal {
        self.0.capital_ore.into()
    }
    /// Reminder and collection fees charged to the customer.
    async fn fees_charged(&self) -> Decimal {
        self.0.fees_ore.into()
    }
    /// Late-payment interest accrued so far (reference rate + 8 %, day by day
    /// on what was outstanding, from the due date), charged from the reminder
    /// on; for a closed case, the interest collected.
    async fn accrued_interest(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        let owed = Box::pin(self.owed(ctx)).await?;
        let interest = if self.0.status.is_open() {
            owed.interest_accrued_ore
        } else {
            self.0.interest_collected_ore
        };
        Ok(interest.into())
    }
    /// What the customer owes on top of the invoice today: fees and interest
    /// not yet collected. Zero once the case is closed.
    async fn fees_balance(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        let owed = Box::pin(self.owed(ctx)).await?;
        Ok((owed.fees_ore + owed.interest_ore).into())
    }
    /// What Nox Finans collected for this case and where it went.
    async fn collected(&self) -> NoxFinansCollected {
        let c = &self.0;
        let total = c.capital_collected_ore + c.fees_collected_ore + c.interest_collected_ore;
        NoxFinansCollected {
            capital: c.capital_collected_ore.into(),
            fees: c.fees_collected_ore.into(),
            interest: c.interest_collected_ore.into(),
            total: total.into(),
            kept: c.kept_ore.into(),
            paid_out: c.paid_out_ore.into(),
            pending: c.payout_pending_ore.into(),
        }
    }
    /// Every status change, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> GqlResult<Vec<NoxFinansEvent>> {
        let rows = super::history_of(ctx, About::Case(self.0.id)).await?;
        Ok(rows
            .iter()
            .map(|e| NoxFinansEvent::new(e, self.clone()))
            .collect::<Result<Vec<_>, _>>()?)
    }
}

/// A status change of a case.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct NoxFinansEvent {
    /// Pass as `after` to resume after this event.
    pub cursor: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The status it moved to.
    pub status: NoxFinansStatus,
    /// The case, as it is now.
    pub case: NoxFinansCase,
    /// A sentence for the user.
    pub message: String,
}

impl NoxFinansEvent {
    /// The event of outbox row `e` about `case`.
    pub fn new(e: &crate::store::outbox::Event, case: NoxFinansCase) -> Result<Self, AppError> {
        let Some(crate::domain::event::Happened::Case(_, status)) = e.happened() else {
            return Err(e.unknown_kind("Nox Finans status"));
        };
        Ok(Self {
            cursor: cursor(e.position),
            at: e.at,
            status: status.into(),
            case,
            message: e.message.clone(),
        })
    }
}

/// The outcome of sending one invoice.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct SendResult {
    /// The invoice.
    pub invoice: Invoice,
    /// Whether Nox Finans took it under this request.
    pub accepted: bool,
    /// Its case; also the existing case when it was already handed over.
    pub case: Option<NoxFinansCase>,
    /// Warnings it was sent with.
    pub warnings: Vec<Reason>,
    /// Why it was refused.
    pub blockers: Vec<Reason>,
}

/// The outcome of a batch send, one result per invoice, in request order.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct SendToNoxFinansPayload {
    /// One result per invoice.
    pub results: Vec<SendResult>,
}
