//! Money movements of invoice sale: payments-account statement lines and BAS
//! vouchers. Every voucher balances (debit = credit) by construction, and a
//! statement's closing balance is its opening balance plus its entries.

use super::sale::FeeLine;
use crate::domain::money::Ore;

/// BAS accounts used by the automatic bookkeeping.
pub const ACCOUNTS: &[(i32, &str)] = &[
    (1510, "Kundfordringar"),
    (1513, "Kundfordringar – delad faktura (Skatteverket)"),
    (1930, "Företagskonto"),
    (2440, "Leverantörsskulder"),
    (2641, "Debiterad ingående moms"),
    (SETTLEMENT_ACCOUNT, "Avräkning för factoring"),
    (3590, "Övriga fakturerade kostnader"),
    (6064, "Factoringavgifter"),
    (6590, "Övriga externa tjänster"),
    (8313, "Ränteintäkter från kundfordringar"),
];

/// The name of a BAS account.
pub fn account_name(account: i32) -> &'static str {
    ACCOUNTS
        .iter()
        .find(|(a, _)| *a == account)
        .map_or("Okänt konto", |(_, n)| n)
}

/// One row of a voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// BAS account.
    pub account: i32,
    /// Debit in öre.
    pub debit_ore: Ore,
    /// Credit in öre.
    pub credit_ore: Ore,
}

impl Posting {
    fn debit(account: i32, ore: Ore) -> Self {
        Self {
            account,
            debit_ore: ore,
            credit_ore: Ore::ZERO,
        }
    }
    fn credit(account: i32, ore: Ore) -> Self {
        Self {
            account,
            debit_ore: Ore::ZERO,
            credit_ore: ore,
        }
    }
}

/// A voucher to be numbered and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherDraft {
    description: String,
    rows: Vec<Posting>,
}

impl VoucherDraft {
    /// A voucher of `rows`, the zero ones left out (an amount that happens
    /// to be nothing, a fee waived, books no row).
    pub fn new(description: String, rows: impl IntoIterator<Item = Posting>) -> Self {
        Self {
            description,
            rows: rows
                .into_iter()
                .filter(|p| !p.debit_ore.is_zero() || !p.credit_ore.is_zero())
                .collect(),
        }
    }

    /// Text.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Rows, none of them zero.
    pub fn rows(&self) -> &[Posting] {
        &self.rows
    }

    /// Whether debit equals credit.
    pub fn balances(&self) -> bool {
        let debit: Ore = self.rows.iter().map(|r| r.debit_ore).sum();
        let credit: Ore = self.rows.iter().map(|r| r.credit_ore).sum();
        debit == credit
    }

    /// Whether the voucher moves the settlement account by exactly what
    /// `lines` move the payments account, so that the company's books and its
    /// statement show the same balance.
    pub fn settles(&self, lines: &[StatementLine]) -> bool {
        let settlement: Ore = self
            .rows
            .iter()
            .filter(|r| r.account == SETTLEMENT_ACCOUNT)
            .map(|r| r.debit_ore - r.credit_ore)
            .sum();
        settlement == lines.iter().map(|l| l.amount_ore).sum()
    }
}

/// The BAS account that mirrors the payments account in the company's books
/// (Avräkning för factoring): every booking moves it by what its statement
/// lines move the payments account.
pub const SETTLEMENT_ACCOUNT: i32 = 2811;

stored_enum! {
    /// What moved money on the payments account (a statement entry's kind).
    pub enum EntryKind {
        /// An invoice sold: its amount, in.
        InvoiceSold = "INVOICE_SOLD",
        /// A sale's fee, out.
        SaleFee = "SALE_FEE",
        /// A customer's payment of an invoice not sold, in.
        CustomerPayment = "CUSTOMER_PAYMENT",
        /// A Nox Finans fee, out.
        ServiceFee = "SERVICE_FEE",
        /// Money paid out to the company's bank account, out.
        Payout = "PAYOUT",
        /// An invoice bought back, out.
        Buyback = "BUYBACK",
        /// Nox Finans fees moved to a monthly invoice, in.
        FeesInvoiced = "FEES_INVOICED",
        /// A correction booked by hand (the server itself books none).
        Adjustment = "ADJUSTMENT",
    }
}

/// A statement line to be booked on the payments account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// What moved the money.
    pub kind: EntryKind,
    /// Text.
    pub description: String,
    /// Into the account (+) or out of it (−), in öre.
    pub amount_ore: Ore,
}

/// The voucher series of automatic invoice-sale bookkeeping.
pub const SALE_SERIES: &str = "F";

/// Approval: the sold amount enters the payments account and the fees leave it;
/// the receivable moves to the factoring settlement account.
pub fn approval(
    invoice_number: &str,
    amount_ore: Ore,
    fees: &[FeeLine],
) -> (Vec<StatementLine>, VoucherDraft) {
    let total_fees: Ore = fees.iter().map(|f| f.amount_ore).sum();
    let mut lines = vec![StatementLine {
        kind: EntryKind::InvoiceSold,
        description: format!("Invoice {invoice_number} sold"),
        amount_ore,
    }];
    lines.extend(
        fees.iter()
            .filter(|f| !f.amount_ore.is_zero())
            .map(|f| StatementLine {
                kind: EntryKind::SaleFee,
                description: format!("{}, invoice {invoice_number}", f.description),
                amount_ore: -f.amount_ore,
            }),
    );
    let rows = [
        Posting::debit(SETTLEMENT_ACCOUNT, amount_ore - total_fees),
        Posting::debit(6064, total_fees),
        Posting::credit(1510, amount_ore),
    ];
    (
        lines,
        VoucherDraft::new(format!("Invoice sale, invoice {invoice_number}"), rows),
    )
}

/// Payout: the net leaves the payments account for the company's bank account.
pub fn payout(invoice_number: &str, payout_ore: Ore) -> (Vec<StatementLine>, VoucherDraft) {
    (
        vec![StatementLine {
            kind: EntryKind::Payout,
            description: format!("Payout to bank account, invoice {invoice_number}"),
            amount_ore: -payout_ore,
        }],
        VoucherDraft::new(
            format!("Invoice sale payout, invoice {invoice_number}"),
            [
                Posting::debit(1930, payout_ore),
                Posting::credit(SETTLEMENT_ACCOUNT, payout_ore),
            ],
        ),
    )
}

/// The voucher series of Nox Finans bookkeeping.
pub const NOX_SERIES: &str = "N";

/// A Nox Finans fee to the company (delivery, service, recall): it leaves the
/// payments account now and is set off against the next Nox Finans payout, or
/// invoiced at the month's end. `vat_ore` is the input VAT on it, if any.
pub fn nox_fee(description: String, fee_ore: Ore, vat_ore: Ore) -> (StatementLine, VoucherDraft) {
    let rows = [
        Posting::debit(6590, fee_ore),
        Posting::debit(2641, vat_ore),
        Posting::credit(SETTLEMENT_ACCOUNT, fee_ore + vat_ore),
    ];
    (
        StatementLine {
            kind: EntryKind::ServiceFee,
            description: description.clone(),
            amount_ore: -(fee_ore + vat_ore),
        },
        VoucherDraft::new(description, rows),
    )
}

/// A customer payment collected by Nox Finans: the invoice part clears the
/// receivable, the customer's fees and interest are income, and what Nox
/// Finans keeps (long-term monitoring's share) is a cost.
pub fn nox_collection(
    invoice_number: &str,
    capital_ore: Ore,
    fees_ore: Ore,
    interest_ore: Ore,
    kept_ore: Ore,
) -> (Vec<StatementLine>, VoucherDraft) {
    let collected = capital_ore + fees_ore + interest_ore;
    let mut lines = vec![StatementLine {
        kind: EntryKind::CustomerPayment,
        description: format!("Payment collected by Nox Finans, invoice {invoice_number}"),
        amount_ore: collected,
    }];
    if kept_ore.is_positive() {
        lines.push(StatementLine {
            kind: EntryKind::ServiceFee,
            description: format!("Nox Finans long-term monitoring 20 %, invoice {invoice_number}"),
            amount_ore: -kept_ore,
        });
    }
    let rows = [
        Posting::debit(SETTLEMENT_ACCOUNT, collected - kept_ore),
        Posting::debit(6590, kept_ore),
        Posting::credit(1510, capital_ore),
        Posting::credit(3590, fees_ore),
        Posting::credit(8313, interest_ore),
    ];
    (
        lines,
        VoucherDraft::new(
            format!("Customer payment via Nox Finans, invoice {invoice_number}"),
            rows,
        ),
    )
}

/// A Nox Finans payout of `pending_ore` collected money, of which `set_off_ore`
/// settles the company's Nox Finans fees and the rest goes to the bank.
pub fn nox_payout(
    invoice_number: &str,
    pending_ore: Ore,
    set_off_ore: Ore,
) -> (Vec<StatementLine>, VoucherDraft) {
    let out = pending_ore - set_off_ore;
    let description = if set_off_ore.is_positive() {
        format!(
            "Payout to bank account, invoice {invoice_number} ({} collected less {} Nox Finans fees)",
            super::money::from_ore(pending_ore),
            super::money::from_ore(set_off_ore)
        )
    } else {
        format!("Payout to bank account, invoice {invoice_number}")
    };
    (
        vec![StatementLine {
            kind: EntryKind::Payout,
            description,
            amount_ore: -out,
        }],
        VoucherDraft::new(
            format!("Nox Finans payout, invoice {invoice_number}"),
            [
                Posting::debit(1930, out),
                Posting::credit(SETTLEMENT_ACCOUNT, out),
            ],
        ),
    )
}

/// The month's Nox Finans fees that no payout covered: invoiced to the company,
/// so the payments account returns to zero and the debt becomes a supplier
/// invoice.
pub fn nox_fee_invoice(month: &str, amount_ore: Ore) -> (StatementLine, VoucherDraft) {
    let description = format!("Nox Finans fees for {month} invoiced");
    (
        StatementLine {
            kind: EntryKind::FeesInvoiced,
            description: description.clone(),
            amount_ore,
        },
        VoucherDraft::new(
            description,
            [
                Posting::debit(SETTLEMENT_ACCOUNT, amount_ore),
                Posting::credit(2440, amount_ore),
            ],
        ),
    )
}

/// Running balances of `amounts` from `opening`; the last is the closing balance.
pub fn running_balances(opening: Ore, amounts: &[Ore]) -> Vec<Ore> {
    amounts
        .iter()
        .scan(opening, |b, a| {
            *b += *a;
            Some(*b)
        })
        .collect()
}

#[cfg(test)]
mod tests;
