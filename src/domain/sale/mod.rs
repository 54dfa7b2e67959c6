//! Invoice sale: eligibility, fees, quote identity, spot-check selection and
//! decisions. Pure functions over plain data.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::money::{from_ore, round_ore, to_ore};

/// Fee terms and limits of a company's invoice-sale agreement, in öre and basis
/// points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// Whether invoice sale is active.
    pub active: bool,
    /// Invoice fee per sold invoice.
    pub fixed_fee_ore: i64,
    /// Factoring fee in basis points of the amount sold (290 = 2.90 %).
    pub percentage_bp: i64,
    /// The factoring fee is at least this.
    pub minimum_fee_ore: i64,
    /// Outstanding sold amount allowed per recipient.
    pub customer_limit_ore: i64,
    /// Outstanding sold amount allowed for the company.
    pub total_limit_ore: i64,
}

/// The default terms a seller starts from (DESIGN 2.3): 19.90 SEK invoice fee
/// plus 2.9 % factoring fee.
pub const DEFAULT_FIXED_FEE_ORE: i64 = 1990;
/// Default factoring percentage, in basis points.
pub const DEFAULT_PERCENTAGE_BP: i64 = 290;

/// A reason a sale cannot happen or was denied: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Stable machine code.
    pub code: &'static str,
    /// A sentence for the user.
    pub message: String,
    /// The field concerned, if any.
    pub field: Option<&'static str>,
}

impl Reason {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }
}

/// What the quote and the decision need to know about an invoice and its context.
#[derive(Debug, Clone)]
pub struct SaleFacts {
    /// The invoice's currency.
    pub currency: String,
    /// Cancelled.
    pub cancelled: bool,
    /// Not completed.
    pub not_completed: bool,
    /// `INVOICE`, `CASH` or `INTEREST`.
    pub invoice_type: String,
    /// Balance in öre.
    pub balance_ore: i64,
    /// Skatteverket's part of a house-work invoice still to be paid (the tax
    /// reduction less what Skatteverket has paid), if any: it is not sold.
    pub house_work_deductible_ore: Option<i64>,
    /// Due date.
    pub due_date: NaiveDate,
    /// The recipient has invoices the financier bought that are past due and
    /// not collected in full.
    pub recipient_overdue: bool,
    /// A sale of this invoice exists that is not denied.
    pub already_sold: bool,
    /// The invoice has been handed to Nox Finans.
    pub handed_to_nox: bool,
    /// Outstanding sold amount to this recipient, excluding this invoice.
    pub customer_outstanding_ore: i64,
    /// Outstanding sold amount of the company, excluding this invoice.
    pub total_outstanding_ore: i64,
}

/// One fee of a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeLine {
    /// `INVOICE_FEE` or `FACTORING_FEE`.
    pub kind: &'static str,
    /// Description.
    pub description: String,
    /// Amount in öre.
    pub amount_ore: i64,
}

/// A priced sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// What is sold: the balance the customer pays (house work: minus the tax
    /// reduction, which Skatteverket pays and is not sold).
    pub amount_ore: i64,
    /// Fees.
    pub fees: Vec<FeeLine>,
    /// Sum of the fees.
    pub total_fees_ore: i64,
    /// Amount minus fees.
    pub payout_ore: i64,
    /// Why the sale cannot happen; empty when eligible.
    pub reasons: Vec<Reason>,
}

impl Quote {
    /// No reason stands in the way.
    pub fn eligible(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// The amount a sale of an invoice would buy.
pub fn sold_amount(balance_ore: i64, house_work_deductible_ore: Option<i64>) -> i64 {
    balance_ore - house_work_deductible_ore.unwrap_or(0)
}

/// Prices the fees of selling `amount_ore` under `a`.
pub fn fees(amount_ore: i64, a: &Agreement) -> Vec<FeeLine> {
    let pct = Decimal::new(a.percentage_bp, 4);
    let factoring = to_ore(round_ore(from_ore(amount_ore) * pct)).unwrap_or(0);
    let factoring = factoring.max(a.minimum_fee_ore);
    vec![
        FeeLine {
            kind: "INVOICE_FEE",
            description: "Invoice fee".into(),
            amount_ore: a.fixed_fee_ore,
        },
        FeeLine {
            kind: "FACTORING_FEE",
            description: format!(
                "Factoring fee {} %",
                Decimal::new(a.percentage_bp, 2).normalize()
            ),
            amount_ore: factoring,
        },
    ]
}

/// Quotes a sale: amount, fees, payout and every reason it cannot happen today.
pub fn quote(f: &SaleFacts, a: Option<&Agreement>, today: NaiveDate) -> Quote {
    let amount_ore = sold_amount(f.balance_ore, f.house_work_deductible_ore);
    let mut reasons = Vec::new();
    let terms = match a {
        Some(a) if a.active => Some(a),
        _ => {
            reasons.push(Reason::new(
                "INVOICE_SALE_NOT_ACTIVE",
                "invoice sale is not active for your company: use requestInvoiceSaleContact and a seller will call you to set up an agreement",
            ));
            None
        }
    };
    if f.currency != "SEK" {
        reasons.push(Reason::new(
            "CURRENCY_NOT_SEK",
            format!(
                "only SEK invoices can be sold; this one is in {}",
                f.currency
            ),
        ));
    }
    if f.cancelled {
        reasons.push(Reason::new("CANCELLED", "the invoice is cancelled"));
    }
    if f.not_completed {
        reasons.push(Reason::new(
            "NOT_COMPLETED",
            "the invoice is marked not completed",
        ));
    }
    match f.invoice_type.as_str() {
        "CASH" => reasons.push(Reason::new("CASH_INVOICE", "cash invoices cannot be sold")),
        "INTEREST" => reasons.push(Reason::new(
            "INTEREST_INVOICE",
            "interest invoices cannot be sold",
        )),
        "CREDIT" => reasons.push(Reason::new("CREDIT_NOTE", "credit notes cannot be sold")),
        _ => {}
    }
    if amount_ore <= 0 {
        reasons.push(Reason::new(
            "NO_BALANCE",
            "nothing is left to pay on the invoice",
        ));
    }
    if f.already_sold {
        reasons.push(Reason::new(
            "ALREADY_SOLD",
            "the invoice has already been offered for sale",
        ));
    }
    if f.handed_to_nox {
        reasons.push(Reason::new(
            "HANDED_TO_NOX_FINANS",
            "the invoice has been handed to Nox Finans",
        ));
    }
    if f.due_date < today {
        reasons.push(Reason::new("OVERDUE", "overdue invoices cannot be sold"));
    }
    if f.recipient_overdue {
        reasons.push(recipient_overdue());
    }
    let (fees, total_fees_ore) = match terms {
        Some(a) => {
            if f.customer_outstanding_ore + amount_ore > a.customer_limit_ore {
                reasons.push(Reason::new(
                    "CUSTOMER_LIMIT_EXCEEDED",
                    format!(
                        "the sold amount to this customer would exceed the limit of {} SEK",
                        from_ore(a.customer_limit_ore)
                    ),
                ));
            }
            if f.total_outstanding_ore + amount_ore > a.total_limit_ore {
                reasons.push(Reason::new(
                    "TOTAL_LIMIT_EXCEEDED",
                    format!(
                        "your total sold amount would exceed the limit of {} SEK",
                        from_ore(a.total_limit_ore)
                    ),
                ));
            }
            let fees = fees(amount_ore.max(0), a);
            let total = fees.iter().map(|l| l.amount_ore).sum();
            (fees, total)
        }
        None => (Vec::new(), 0),
    };
    if terms.is_some() && amount_ore > 0 && total_fees_ore >= amount_ore {
        reasons.push(Reason::new(
            "FEES_EXCEED_AMOUNT",
            "the fees would take the whole amount",
        ));
    }
    Quote {
        amount_ore,
        fees,
        total_fees_ore,
        payout_ore: amount_ore - total_fees_ore,
        reasons,
    }
}

/// The quote id: a digest of exactly the terms a sale is confirmed against.
pub fn quote_id(invoice_id: i64, q: &Quote, payout_date: NaiveDate) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "{invoice_id}|{}|{}|{payout_date}",
        q.amount_ore, q.payout_ore
    ));
    for f in &q.fees {
        h.update(format!("|{}:{}", f.kind, f.amount_ore));
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("q_{hex}")
}

/// What spot-check selection knows about a new sale and the company's history.
#[derive(Debug, Clone, Copy)]
pub struct SpotCheckFacts {
    /// The company's sales before this one (any outcome).
    pub previous_sales: u32,
    /// Approved (or paid out) sales before this one.
    pub approved_sales: u32,
    /// Approved sales to this recipient before this one.
    pub approved_to_recipient: u32,
    /// Average approved amount, in öre (0 without history).
    pub average_approved_ore: i64,
    /// This sale's amount.
    pub amount_ore: i64,
    /// This sale's routine draw in 0..1000 ([`sampling_draw`]): the sale is
    /// a routine sample when it falls under [`sampling_permille`].
    pub draw: u32,
}

/// A spot-check rule: data, with a name, a condition and an explanation.
pub struct SpotCheckRule {
    /// Stable name, shown to operators and users.
    pub name: &'static str,
    /// Why the rule exists, in a sentence.
    pub explanation: &'static str,
    /// Whether the rule selects this sale.
    pub applies: fn(&SpotCheckFacts) -> bool,
    /// Whether an unanswered check of this rule still lets the sale through.
    pub unanswered_approves: bool,
}

/// How many first sales are always checked.
pub const ALWAYS_CHECK_FIRST: u32 = 5;
/// The lowest share of routine checks, in per mille.
pub const SAMPLING_FLOOR_PERMILLE: u32 = 50;

/// The share (per mille) of routine sampling after `approved` approved sales:
/// 1000 for the first sales, then falling as 5000 / approved, to the floor.
pub fn sampling_permille(approved: u32) -> u32 {
    if approved < ALWAYS_CHECK_FIRST {
        1000
    } else {
        (5000 / approved.max(1)).clamp(SAMPLING_FLOOR_PERMILLE, 1000)
    }
}

/// The server's key for routine sampling. Without it a company cannot tell
/// which of its sales will be drawn; with it an operator can reproduce every
/// draw.
#[derive(Clone)]
pub struct SamplingKey(Vec<u8>);

impl SamplingKey {
    /// A key from secret bytes (at least 16).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Option<Self> {
        let bytes = bytes.into();
        (bytes.len() >= 16).then_some(Self(bytes))
    }
}

impl std::fmt::Debug for SamplingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SamplingKey(..)")
    }
}

/// The routine draw of a sale, in 0..1000: HMAC-SHA256 under the server's key
/// of the company and the sale. Deterministic (the same sale always draws the
/// same number, so operators can reproduce a selection) and, without the key,
/// unpredictable.
pub fn sampling_draw(key: &SamplingKey, company_id: i64, sale_id: i64) -> u32 {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) else {
        // HMAC takes a key of any length; this branch cannot be reached.
        return 0;
    };
    mac.update(format!("spot-check|{company_id}|{sale_id}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    n % 1000
}

/// The rules, in priority order: the first that applies selects the sale.
pub const SPOT_CHECK_RULES: &[SpotCheckRule] = &[
    SpotCheckRule {
        name: "FIRST_SALES",
        explanation: "A company's first five sales are always checked with the recipient.",
        applies: |f| f.approved_sales < ALWAYS_CHECK_FIRST,
        unanswered_approves: false,
    },
    SpotCheckRule {
        name: "NEW_RECIPIENT",
        explanation: "The first sale to a recipient is checked: we confirm they expect the invoice.",
        applies: |f| f.approved_to_recipient == 0,
        unanswered_approves: false,
    },
    SpotCheckRule {
        name: "LARGE_AMOUNT",
        explanation: "The amount is more than three times the company's average sold invoice.",
        applies: |f| f.average_approved_ore > 0 && f.amount_ore > 3 * f.average_approved_ore,
        unanswered_approves: false,
    },
    SpotCheckRule {
        name: "ROUTINE_SAMPLE",
        explanation: "Routine sample: checks are dense at first and thin out as the company's approved history grows, down to 5 %.",
        applies: |f| f.draw < sampling_permille(f.approved_sales),
        unanswered_approves: true,
    },
];

/// The rule that selects this sale for a spot check, if any.
pub fn select_spot_check(f: &SpotCheckFacts) -> Option<&'static SpotCheckRule> {
    SPOT_CHECK_RULES.iter().find(|r| (r.applies)(f))
}

/// A rule by name.
pub fn spot_check_rule(name: &str) -> Option<&'static SpotCheckRule> {
    SPOT_CHECK_RULES.iter().find(|r| r.name == name)
}

/// How a spot check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpotCheckOutcome {
    /// The recipient confirmed the invoice.
    Confirmed,
    /// The recipient disputed it.
    Disputed,
    /// The recipient could not be reached (also the outcome at the deadline).
    NoAnswer,
}

/// What the decision needs to know.
#[derive(Debug, Clone)]
pub struct DecisionFacts {
    /// The sale facts, re-read at decision time.
    pub sale: SaleFacts,
    /// The agreement at decision time.
    pub agreement: Option<Agreement>,
    /// The amount of the sale as requested.
    pub amount_ore: i64,
    /// The spot check: selecting rule and outcome.
    pub spot_check: Option<(&'static str, SpotCheckOutcome)>,
    /// The recipient has sold invoices that are overdue.
    pub recipient_has_overdue_sold: bool,
}

/// The financier's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Buy the invoice.
    Approve,
    /// Do not buy it, for this reason.
    Deny(Reason),
}

/// Decides a sale. The first failing check denies; otherwise approve.
///
/// Default outcome of an unanswered spot check (NO_ANSWER, also applied at the
/// deadline): a routine sample is approved; a check selected by a risk rule
/// (first sales, new recipient, large amount) is denied, since the risk it was
/// meant to clear remains.
pub fn decide(f: &DecisionFacts) -> Decision {
    if let Some((rule, outcome)) = f.spot_check {
        match outcome {
            SpotCheckOutcome::Disputed => {
                return Decision::Deny(Reason::new(
                    "SPOT_CHECK_DISPUTED",
                    "the recipient disputed the invoice when we called to confirm it",
                ));
            }
            SpotCheckOutcome::NoAnswer
                if !spot_check_rule(rule).is_some_and(|r| r.unanswered_approves) =>
            {
                return Decision::Deny(Reason::new(
                    "SPOT_CHECK_UNANSWERED",
                    "we could not reach the recipient to confirm the invoice",
                ));
            }
            _ => {}
        }
    }
    let a = match f.agreement {
        Some(a) if a.active => a,
        _ => {
            return Decision::Deny(Reason::new(
                "INVOICE_SALE_NOT_ACTIVE",
                "the invoice-sale agreement is no longer active",
            ));
        }
    };
    let s = &f.sale;
    if s.cancelled || s.not_completed || s.currency != "SEK" || s.invoice_type != "INVOICE" {
        return Decision::Deny(Reason::new(
            "INVOICE_CHANGED",
            "the invoice no longer qualifies for sale",
        ));
    }
    if sold_amount(s.balance_ore, s.house_work_deductible_ore) != f.amount_ore {
        return Decision::Deny(Reason::new(
            "INVOICE_CHANGED",
            "the invoice's balance changed after it was offered for sale",
        ));
    }
    if s.customer_outstanding_ore + f.amount_ore > a.customer_limit_ore {
        return Decision::Deny(Reason::new(
            "CUSTOMER_LIMIT_EXCEEDED",
            "the sold amount to this customer would exceed its limit",
        ));
    }
    if s.total_outstanding_ore + f.amount_ore > a.total_limit_ore {
        return Decision::Deny(Reason::new(
            "TOTAL_LIMIT_EXCEEDED",
            "your total sold amount would exceed its limit",
        ));
    }
    if s.handed_to_nox {
        return Decision::Deny(Reason::new(
            "HANDED_TO_NOX_FINANS",
            "the invoice has been handed to Nox Finans",
        ));
    }
    if f.recipient_has_overdue_sold {
        return Decision::Deny(recipient_overdue());
    }
    Decision::Approve
}

fn recipient_overdue() -> Reason {
    Reason::new(
        "RECIPIENT_OVERDUE",
        "the customer has invoices we bought that are past due and not yet paid to us",
    )
}

/// Where a sale stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleStatus {
    /// Requested, being processed.
    Processing,
    /// Waiting for a spot check.
    SpotCheck,
    /// Bought; payout pending.
    Approved,
    /// Not bought.
    Denied,
    /// Paid out to the company.
    PaidOut,
    /// Withdrawn by the company before the decision.
    Withdrawn,
}

impl SaleStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "PROCESSING",
            Self::SpotCheck => "SPOT_CHECK",
            Self::Approved => "APPROVED",
            Self::Denied => "DENIED",
            Self::PaidOut => "PAID_OUT",
            Self::Withdrawn => "WITHDRAWN",
        }
    }
    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PROCESSING" => Self::Processing,
            "SPOT_CHECK" => Self::SpotCheck,
            "APPROVED" => Self::Approved,
            "DENIED" => Self::Denied,
            "PAID_OUT" => Self::PaidOut,
            "WITHDRAWN" => Self::Withdrawn,
            _ => return None,
        })
    }
    /// Whether a decision (approve or deny) may be taken from this status.
    pub fn awaits_decision(self) -> bool {
        matches!(self, Self::Processing | Self::SpotCheck)
    }

    /// Every status.
    pub const ALL: [SaleStatus; 6] = [
        Self::Processing,
        Self::SpotCheck,
        Self::Approved,
        Self::Denied,
        Self::PaidOut,
        Self::Withdrawn,
    ];
}

/// A step in the life of a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleStep {
    /// Spot-check selection picked the sale.
    StartSpotCheck,
    /// The financier approved.
    Approve,
    /// The financier denied.
    Deny,
    /// The payout left.
    PayOut,
    /// The company withdrew the sale before the decision.
    Withdraw,
}

/// The status after `step`, or `None` when the step is not allowed from
/// `current`. The store applies a step only to rows whose status is in
/// [`allowed_from`], atomically, so a sale is decided (and paid) exactly once
/// however many workers or operators race for it.
pub fn next_status(current: SaleStatus, step: SaleStep) -> Option<SaleStatus> {
    use SaleStatus::*;
    match (current, step) {
        (Processing, SaleStep::StartSpotCheck) => Some(SpotCheck),
        (Processing | SpotCheck, SaleStep::Approve) => Some(Approved),
        (Processing | SpotCheck, SaleStep::Deny) => Some(Denied),
        (Processing | SpotCheck, SaleStep::Withdraw) => Some(Withdrawn),
        (Approved, SaleStep::PayOut) => Some(PaidOut),
        _ => None,
    }
}

/// The statuses from which `step` is allowed.
pub fn allowed_from(step: SaleStep) -> Vec<SaleStatus> {
    SaleStatus::ALL
        .into_iter()
        .filter(|s| next_status(*s, step).is_some())
        .collect()
}

#[cfg(test)]
mod tests;
