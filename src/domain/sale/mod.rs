//! Invoice sale: eligibility, fees, quote identity, spot-check selection and
//! decisions. Pure functions over plain data.

use crate::domain::id::InvoiceId;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::invoice::InvoiceType;
use super::money::{HOME_CURRENCY, Ore, from_ore, round_ore, to_ore};

mod decision;
mod spot_check;
mod status;

pub use decision::*;
pub use spot_check::*;
pub use status::*;

/// Fee terms and limits of a company's invoice-sale agreement, in öre and basis
/// points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// Whether invoice sale is active.
    pub active: bool,
    /// Invoice fee per sold invoice.
    pub fixed_fee_ore: Ore,
    /// Factoring fee in basis points of the amount sold (290 = 2.90 %).
    pub percentage_bp: i64,
    /// The factoring fee is at least this.
    pub minimum_fee_ore: Ore,
    /// Outstanding sold amount allowed per recipient.
    pub customer_limit_ore: Ore,
    /// Outstanding sold amount allowed for the company.
    pub total_limit_ore: Ore,
}

/// The default terms a seller starts from (DESIGN 2.3): 19.90 SEK invoice fee
/// plus 2.9 % factoring fee.
pub const DEFAULT_FIXED_FEE_ORE: Ore = Ore::new(1990);
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
    pub invoice_type: super::invoice::InvoiceType,
    /// Balance in öre.
    pub balance_ore: Ore,
    /// Skatteverket's part of a house-work invoice still to be paid (the tax
    /// reduction less what Skatteverket has paid), if any: it is not sold.
    pub house_work_deductible_ore: Option<Ore>,
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
    pub customer_outstanding_ore: Ore,
    /// Outstanding sold amount of the company, excluding this invoice.
    pub total_outstanding_ore: Ore,
}

/// One fee of a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeLine {
    /// `INVOICE_FEE` or `FACTORING_FEE`.
    pub kind: &'static str,
    /// Description.
    pub description: String,
    /// Amount in öre.
    pub amount_ore: Ore,
}

/// A priced sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// What is sold: the balance the customer pays (house work: minus the tax
    /// reduction, which Skatteverket pays and is not sold).
    pub amount_ore: Ore,
    /// Fees.
    pub fees: Vec<FeeLine>,
    /// Sum of the fees.
    pub total_fees_ore: Ore,
    /// Amount minus fees.
    pub payout_ore: Ore,
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
pub fn sold_amount(balance_ore: Ore, house_work_deductible_ore: Option<Ore>) -> Ore {
    balance_ore - house_work_deductible_ore.unwrap_or(Ore::ZERO)
}

/// Codes of reasons a sale cannot happen that callers act on.
pub mod reason {
    /// The company has no active invoice-sale agreement.
    pub const INVOICE_SALE_NOT_ACTIVE: &str = "INVOICE_SALE_NOT_ACTIVE";
    /// The invoice has a sale in progress or made.
    pub const ALREADY_SOLD: &str = "ALREADY_SOLD";
}

/// The kind of the fixed fee per invoice.
pub const INVOICE_FEE: &str = "INVOICE_FEE";
/// The kind of the percentage fee.
pub const FACTORING_FEE: &str = "FACTORING_FEE";

/// Prices the fees of selling `amount_ore` under `a`.
pub fn fees(amount_ore: Ore, a: &Agreement) -> Vec<FeeLine> {
    let pct = Decimal::new(a.percentage_bp, 4);
    let factoring = to_ore(round_ore(from_ore(amount_ore) * pct)).unwrap_or(Ore::ZERO);
    let factoring = factoring.max(a.minimum_fee_ore);
    fee_lines(a.fixed_fee_ore, factoring, a.percentage_bp)
}

/// A sale's fees, itemised: the invoice fee, and the factoring fee at its
/// percentage (in basis points).
pub fn fee_lines(invoice_fee_ore: Ore, factoring_fee_ore: Ore, percentage_bp: i64) -> Vec<FeeLine> {
    vec![
        FeeLine {
            kind: INVOICE_FEE,
            description: "Invoice fee".into(),
            amount_ore: invoice_fee_ore,
        },
        FeeLine {
            kind: FACTORING_FEE,
            description: format!(
                "Factoring fee {} %",
                Decimal::new(percentage_bp, 2).normalize()
            ),
            amount_ore: factoring_fee_ore,
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
                reason::INVOICE_SALE_NOT_ACTIVE,
                "invoice sale is not active for your company: use requestInvoiceSaleContact and a seller will call you to set up an agreement",
            ));
            None
        }
    };
    if f.currency != HOME_CURRENCY {
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
    match f.invoice_type {
        InvoiceType::Cash => {
            reasons.push(Reason::new("CASH_INVOICE", "cash invoices cannot be sold"))
        }
        InvoiceType::Interest => reasons.push(Reason::new(
            "INTEREST_INVOICE",
            "interest invoices cannot be sold",
        )),
        InvoiceType::CreditNote => {
            reasons.push(Reason::new("CREDIT_NOTE", "credit notes cannot be sold"))
        }
        InvoiceType::Invoice => {}
    }
    if !amount_ore.is_positive() {
        reasons.push(Reason::new(
            "NO_BALANCE",
            "nothing is left to pay on the invoice",
        ));
    }
    if f.already_sold {
        reasons.push(Reason::new(
            reason::ALREADY_SOLD,
            "the invoice has already been offered for sale",
        ));
    }
    if f.handed_to_nox {
        reasons.push(decision::handed_to_nox());
    }
    if f.due_date < today {
        reasons.push(Reason::new("OVERDUE", "overdue invoices cannot be sold"));
    }
    if f.recipient_overdue {
        reasons.push(decision::recipient_overdue());
    }
    let (fees, total_fees_ore) = match terms {
        Some(a) => {
            reasons.extend(decision::over_limits(
                f.customer_outstanding_ore,
                f.total_outstanding_ore,
                amount_ore,
                a,
            ));
            let fees = fees(amount_ore.max(Ore::ZERO), a);
            let total = fees.iter().map(|l| l.amount_ore).sum();
            (fees, total)
        }
        None => (Vec::new(), Ore::ZERO),
    };
    if terms.is_some() && amount_ore.is_positive() && total_fees_ore >= amount_ore {
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
pub fn quote_id(invoice_id: InvoiceId, q: &Quote, payout_date: NaiveDate) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "{invoice_id}|{}|{}|{payout_date}",
        q.amount_ore.get(),
        q.payout_ore.get()
    ));
    for f in &q.fees {
        h.update(format!("|{}:{}", f.kind, f.amount_ore.get()));
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("q_{hex}")
}

#[cfg(test)]
mod tests;
