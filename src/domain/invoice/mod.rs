//! Invoice rows, totals and derived state.
//!
//! Totals are computed here and nowhere else: each row's net amount is rounded to
//! öre, VAT is summed per rate and rounded once per rate, total = net + VAT.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::FieldError;
use super::money::{MAX_AMOUNT_ORE, Ore, from_ore, from_scaled, round_ore, to_ore, to_scaled};

/// The VAT rates of Swedish invoicing, in basis points (25 %, 12 %, 6 %, 0 %).
pub const VAT_RATES_BP: &[i64] = &[2500, 1200, 600, 0];

/// The most rows one invoice may have.
pub const MAX_ROWS: usize = 200;

/// An invoice row as the client sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowInput {
    /// What was sold.
    pub description: String,
    /// How many; up to three decimals.
    pub quantity: Decimal,
    /// Price per unit excluding VAT; up to two decimals.
    pub unit_price: Decimal,
    /// VAT rate in percent, e.g. `25`.
    pub vat_rate: Decimal,
}

/// A validated row in stored units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// What was sold.
    pub description: String,
    /// Quantity in thousandths.
    pub quantity_milli: i64,
    /// Unit price in öre.
    pub unit_price_ore: Ore,
    /// VAT rate in basis points.
    pub vat_rate_bp: i64,
    /// Net amount in öre: quantity × unit price, rounded.
    pub amount_ore: Ore,
}

impl Row {
    /// Quantity as a decimal.
    pub fn quantity(&self) -> Decimal {
        from_scaled(self.quantity_milli, 3).normalize()
    }
    /// VAT rate in percent.
    pub fn vat_rate(&self) -> Decimal {
        from_scaled(self.vat_rate_bp, 2).normalize()
    }
    /// Its VAT rate (basis points) and net amount.
    pub fn net_at_rate(&self) -> (i64, Ore) {
        (self.vat_rate_bp, self.amount_ore)
    }
}

/// Net, VAT and total of an invoice, in öre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Sum of the rows' net amounts.
    pub net_ore: Ore,
    /// VAT, rounded per rate.
    pub vat_ore: Ore,
    /// Net + VAT.
    pub total_ore: Ore,
}

/// Validates the rows of an invoice and returns them in stored units.
pub fn parse_rows(rows: &[RowInput]) -> Result<Vec<Row>, FieldError> {
    if rows.is_empty() {
        return Err(FieldError::new("rows", "an invoice needs at least one row"));
    }
    if rows.len() > MAX_ROWS {
        return Err(FieldError::new("rows", format!("at most {MAX_ROWS} rows")));
    }
    rows.iter()
        .enumerate()
        .map(|(i, r)| parse_row(i, r))
        .collect()
}

/// The longest row description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

fn parse_row(i: usize, r: &RowInput) -> Result<Row, FieldError> {
    let f = |name: &str| format!("rows[{i}].{name}");
    let description =
        super::required_text(&f("description"), &r.description, MAX_DESCRIPTION_CHARS)?.to_string();
    if r.quantity <= Decimal::ZERO {
        return Err(FieldError::new(f("quantity"), "must be greater than zero"));
    }
    let quantity_milli = to_scaled(r.quantity, 3)
        .filter(|q| *q <= 1_000_000_000)
        .ok_or_else(|| {
            FieldError::new(
                f("quantity"),
                "must be at most 1 000 000 with at most three decimals",
            )
        })?;
    if r.unit_price.is_sign_negative() && !r.unit_price.is_zero() {
        return Err(FieldError::new(f("unitPrice"), "must not be negative"));
    }
    let unit_price_ore = to_ore(r.unit_price)
        .filter(|p| *p <= MAX_AMOUNT_ORE)
        .ok_or_else(|| {
            FieldError::new(
                f("unitPrice"),
                "must be at most 10 000 000 000 with at most two decimals",
            )
        })?;
    let vat_rate_bp = to_scaled(r.vat_rate, 2)
        .filter(|v| VAT_RATES_BP.contains(v))
        .ok_or_else(|| FieldError::new(f("vatRate"), "must be one of 25, 12, 6 or 0"))?;
    let amount = round_ore(from_scaled(quantity_milli, 3) * from_ore(unit_price_ore));
    let amount_ore = to_ore(amount)
        .filter(|a| *a <= MAX_AMOUNT_ORE)
        .ok_or_else(|| {
            FieldError::new(
                f("unitPrice"),
                "quantity × unit price is larger than 10 000 000 000",
            )
        })?;
    Ok(Row {
        description,
        quantity_milli,
        unit_price_ore,
        vat_rate_bp,
        amount_ore,
    })
}

/// The totals of validated rows. Fails when the total exceeds the system maximum.
pub fn totals(rows: &[Row]) -> Result<Totals, FieldError> {
    let mut net_by_rate: BTreeMap<i64, Ore> = BTreeMap::new();
    for r in rows {
        *net_by_rate.entry(r.vat_rate_bp).or_default() += r.amount_ore;
    }
    let net_ore: Ore = net_by_rate.values().sum();
    let vat_ore: Ore = net_by_rate
        .iter()
        .map(|(rate, net)| vat_on(*net, *rate))
        .sum();
    let total_ore = net_ore.saturating_add(vat_ore);
    if total_ore > MAX_AMOUNT_ORE {
        return Err(FieldError::new(
            "rows",
            "the invoice total is larger than 10 000 000 000",
        ));
    }
    Ok(Totals {
        net_ore,
        vat_ore,
        total_ore,
    })
}

/// The VAT on `net` at `rate_bp`, rounded to öre: an invoice's VAT at each
/// of its rates.
fn vat_on(net: Ore, rate_bp: i64) -> Ore {
    let vat = round_ore(from_ore(net) * from_scaled(rate_bp, 4));
    to_ore(vat).unwrap_or(Ore::new(i64::MAX))
}

stored_enum! {
    /// The kind of invoice.
    pub enum InvoiceType {
        /// An ordinary invoice.
        Invoice = "INVOICE",
        /// A cash invoice (paid at the time of sale).
        Cash = "CASH",
        /// An interest invoice (late-payment interest).
        Interest = "INTEREST",
        /// A credit note: negative rows, linked to the invoice it credits.
        CreditNote = "CREDIT",
    }
}

/// Validates a house-work (ROT/RUT) tax reduction against the invoice total.
pub fn parse_house_work_deductible(
    deductible: Decimal,
    totals: &Totals,
) -> Result<Ore, FieldError> {
    let field = "houseWork.deductibleAmount";
    let ore = super::money::parse_amount(field, deductible, false)?;
    if ore.is_zero() {
        return Err(FieldError::new(field, "must be greater than zero"));
    }
    if ore > totals.total_ore {
        return Err(FieldError::new(field, "must not exceed the invoice total"));
    }
    Ok(ore)
}

stored_enum! {
    /// Who paid: the customer to the company, the customer through Nox Finans,
    /// Skatteverket (its part of a house-work invoice), or a credit note.
    pub enum Payer {
        /// The customer paid the company directly.
        Customer = "CUSTOMER",
        /// The customer paid Nox Finans, which collected for the company.
        NoxFinans = "NOX_FINANS",
        /// Skatteverket paid the tax reduction of a house-work invoice.
        Skatteverket = "SKATTEVERKET",
        /// A credit note took the amount off.
        CreditNote = "CREDIT_NOTE",
        /// Skatteverket denied the amount of the tax reduction: it moved from
        /// Skatteverket's part to the customer's (or, on a sold invoice, left
        /// the invoice). A movement between the parts, not a payment.
        ReductionDenied = "REDUCTION_DENIED",
    }
}

/// Skatteverket's part of a house-work invoice still to be paid.
pub fn skatteverket_outstanding(deductible_ore: Option<Ore>, house_work_paid_ore: Ore) -> Ore {
    (deductible_ore.unwrap_or(Ore::ZERO) - house_work_paid_ore).max(Ore::ZERO)
}

/// The customer's part still to be paid: the balance less Skatteverket's part.
pub fn customer_outstanding(
    balance_ore: Ore,
    deductible_ore: Option<Ore>,
    house_work_paid_ore: Ore,
) -> Ore {
    balance_ore - skatteverket_outstanding(deductible_ore, house_work_paid_ore)
}

/// Where an invoice stands, derived from its fields and today's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceState {
    /// Cancelled (makulerad).
    Cancelled,
    /// Marked "not completed" (Ej klar).
    NotCompleted,
    /// Sold to the financier: the customer now pays the financier.
    Sold,
    /// Nothing left to pay.
    Paid,
    /// Credited whole: credit notes took off the whole total and nothing was
    /// paid.
    Credited,
    /// Unpaid after its due date.
    Overdue,
    /// Unpaid, not yet due.
    Unpaid,
}

/// The facts [`state`] needs.
#[derive(Debug, Clone, Copy)]
pub struct StateFacts {
    /// Cancelled.
    pub cancelled: bool,
    /// Not completed.
    pub not_completed: bool,
    /// Settled as sold.
    pub sold: bool,
    /// Balance in öre.
    pub balance_ore: Ore,
    /// Total in öre.
    pub total_ore: Ore,
    /// What credit notes took off, in öre.
    pub credited_ore: Ore,
    /// Due date.
    pub due_date: NaiveDate,
}

/// Whether credit notes took off the whole of a total (a credit note's own
/// total is negative, and nothing credits it).
pub fn credited_whole(total_ore: Ore, credited_ore: Ore) -> bool {
    credited_ore.is_positive() && credited_ore >= total_ore
}

/// The state of an invoice on `today` (Europe/Stockholm).
pub fn state(f: StateFacts, today: NaiveDate) -> InvoiceState {
    if f.cancelled {
        InvoiceState::Cancelled
    } else if f.not_completed {
        InvoiceState::NotCompleted
    } else if f.sold {
        InvoiceState::Sold
    } else if !f.balance_ore.is_positive() {
        if credited_whole(f.total_ore, f.credited_ore) {
            InvoiceState::Credited
        } else {
            InvoiceState::Paid
        }
    } else if f.due_date < today {
        InvoiceState::Overdue
    } else {
        InvoiceState::Unpaid
    }
}

stored_enum! {
    /// ROT (repairs) or RUT (household services).
    pub enum HouseWorkType {
        /// Repairs, conversion, extension.
        Rot = "ROT",
        /// Household services.
        Rut = "RUT",
    }
}

mod credit;
mod edit;
pub use credit::{
    credit_fits, credit_totals, keeps_credited, left_to_credit, reduction_fall, rows_crediting,
    same_credit,
};
pub use edit::{Paid, covers_paid, keeps_denied_reduction};

#[cfg(test)]
mod tests;
