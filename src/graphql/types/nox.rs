//! Nox Finans types: settings, prices, the send view, cases and events.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{nox_case, outbox_event};

use super::invoice::Invoice;
use super::sale::Reason;
use crate::domain::money::from_ore;
use crate::domain::nox::{self as rules, Finding};
use crate::error::AppError;
use crate::graphql::error::GqlResult;
use crate::graphql::ids::{Kind, cursor, encode};
use crate::graphql::loaders::InvoiceLoader;
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{loader, state};
use crate::services::nox::CandidateRow;
use crate::store::outbox::topic;

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
pub struct NoxFinansSettings {
    /// Terms-of-payment codes that may be sent via Nox Finans.
    pub active_terms_of_payment: Vec<String>,
    /// Delivery used when a send does not name one.
    pub default_delivery: DeliveryMethod,
}

/// One line of the Nox Finans price list.
#[derive(SimpleObject)]
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
            amount: from_ore(p.amount_ore).into(),
        })
        .collect()
}

/// A row of the send-via-Nox-Finans view.
pub struct NoxFinansCandidate(pub CandidateRow);

/// A row of the send-via-Nox-Finans view.
#[Object]
impl NoxFinansCandidate {
    /// The invoice.
    async fn invoice(&self) -> Invoice {
        Invoice(self.0.invoice.clone())
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
pub enum NoxFinansStatus {
    /// Waiting for Nox Finans to accept.
    Submitted,
    /// Refused by Nox Finans.
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
    /// Paid.
    Paid,
    /// Recalled by the company.
    Recalled,
}

/// Reads a stored case status.
pub fn parse_status(s: &str) -> NoxFinansStatus {
    match s {
        "REJECTED" => NoxFinansStatus::Rejected,
        "ACCEPTED" => NoxFinansStatus::Accepted,
        "DELIVERED" => NoxFinansStatus::Delivered,
        "OVERDUE_NOTICE_SENT" => NoxFinansStatus::OverdueNoticeSent,
        "REMINDER_SENT" => NoxFinansStatus::ReminderSent,
        "DEBT_COLLECTION" => NoxFinansStatus::DebtCollection,
        "LONG_TERM_MONITORING" => NoxFinansStatus::LongTermMonitoring,
        "PAID" => NoxFinansStatus::Paid,
        "RECALLED" => NoxFinansStatus::Recalled,
        _ => NoxFinansStatus::Submitted,
    }
}

/// An invoice handed to Nox Finans.
#[derive(Clone)]
pub struct NoxFinansCase(pub nox_case::Model);

/// An invoice handed to Nox Finans.
#[Object]
impl NoxFinansCase {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::NoxFinansCase, self.0.id)
    }
    /// The invoice.
    async fn invoice(&self, ctx: &Context<'_>) -> GqlResult<Invoice> {
        let inv = loader::<InvoiceLoader>(ctx)?
            .load_one(self.0.invoice_id)
            .await?
            .ok_or_else(|| AppError::Internal("case without its invoice".into()))?;
        Ok(Invoice(inv))
    }
    /// The service.
    async fn service(&self) -> NoxFinansService {
        if self.0.service == "REMINDER_SERVICE" {
            NoxFinansService::ReminderService
        } else {
            NoxFinansService::InvoiceService
        }
    }
    /// How the invoice is delivered.
    async fn delivery(&self) -> DeliveryMethod {
        crate::services::nox::parse_delivery(&self.0.delivery).into()
    }
    /// Where the case stands.
    async fn status(&self) -> NoxFinansStatus {
        parse_status(&self.0.status)
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
    /// What the customer still owes of the invoice.
    async fn capital_balance(&self) -> Decimal {
        from_ore(self.0.capital_ore).into()
    }
    /// Reminder and collection fees the customer owes, plus late-payment
    /// interest (reference rate + 8 %) on the capital from the due date once the
    /// reminder is sent, up to today.
    async fn fees_balance(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        let interest = match self.0.status.as_str() {
            "REMINDER_SENT" | "DEBT_COLLECTION" | "LONG_TERM_MONITORING" => {
                let inv = loader::<InvoiceLoader>(ctx)?
                    .load_one(self.0.invoice_id)
                    .await?;
                inv.map_or(0, |i| {
                    rules::interest_ore(self.0.capital_ore, i.due_date, state(ctx).clock.today())
                })
            }
            _ => 0,
        };
        Ok(from_ore(self.0.fees_ore + interest).into())
    }
    /// Every status change, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> GqlResult<Vec<NoxFinansEvent>> {
        // Events belong to the sale's (case's) company: operators see them too.
        let owner = crate::store::Tenant::trusted(self.0.company_id);
        let rows =
            crate::store::outbox::history(&state(ctx).db, owner, topic::NOX_FINANS, self.0.id)
                .await?;
        Ok(rows
            .iter()
            .map(|e| NoxFinansEvent::new(e, self.clone()))
            .collect())
    }
}

/// A status change of a case.
#[derive(SimpleObject)]
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
    pub fn new(e: &outbox_event::Model, case: NoxFinansCase) -> Self {
        Self {
            cursor: cursor(e.seq),
            at: e.at,
            status: parse_status(&e.kind),
            case,
            message: e.message.clone(),
        }
    }
}

/// The outcome of sending one invoice.
#[derive(SimpleObject)]
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
pub struct SendToNoxFinansPayload {
    /// One result per invoice.
    pub results: Vec<SendResult>,
}
