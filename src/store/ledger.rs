//! The payments-account statement and vouchers of the tenant.

use crate::domain::id::{CompanyId, EntryId, InvoiceId, SaleId, VoucherId};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{statement_entry, voucher, voucher_row};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Set,
};

use super::page::Listing;
use super::{Tenant, raw};
use crate::domain::OrNewer;
use crate::domain::ledger::{EntryKind, StatementLine, VoucherDraft};
use crate::domain::money::Ore;
use crate::error::{AppError, AppResult};

record!(
    /// An entry on a company's payments account (Kontoutdrag).
    Entry try_from statement_entry::Model {
        /// Its id.
        id: EntryId,
        /// The company.
        company_id: CompanyId,
        /// Booking date.
        booked_on: NaiveDate,
        /// What moved the money; a kind a newer version wrote reads as its
        /// name.
        kind: OrNewer<EntryKind> as stored,
        /// Text.
        description: String,
        /// Into the account (+) or out of it (-), in öre.
        amount_ore: Ore,
        /// The balance after it, in öre.
        balance_after_ore: Ore,
        /// The invoice concerned.
        invoice_id: Option<InvoiceId>,
        /// The sale concerned.
        sale_id: Option<SaleId>,
        /// When it was written.
        created_at: DateTime<Utc>,
    }
);

record!(
    /// A voucher of a company's books.
    Voucher from voucher::Model {
        /// Its id.
        id: VoucherId,
        /// The company.
        company_id: CompanyId,
        /// Series (`F`: invoice sale, `N`: Nox Finans).
        series: String,
        /// Number within the company's vouchers.
        number: i64,
        /// Accounting date.
        date: NaiveDate,
        /// Text.
        description: String,
        /// The sale it books.
        sale_id: Option<SaleId>,
        /// When it was written.
        created_at: DateTime<Utc>,
    }
);

/// What a booking refers to.
#[derive(Debug, Clone, Copy)]
pub struct Refs {
    /// Invoice.
    pub invoice_id: Option<InvoiceId>,
    /// Sale.
    pub sale_id: Option<SaleId>,
}

impl Refs {
    /// A sale's booking: its invoice and the sale.
    pub fn sale(invoice_id: InvoiceId, sale_id: SaleId) -> Self {
        Self {
            invoice_id: Some(invoice_id),
            sale_id: Some(sale_id),
        }
    }

    /// A booking about one invoice.
    pub fn invoice(invoice_id: InvoiceId) -> Self {
        Self {
            invoice_id: Some(invoice_id),
            sale_id: None,
        }
    }

    /// A booking about no invoice (the month's fees invoiced).
    pub const NONE: Self = Self {
        invoice_id: None,
        sale_id: None,
    };
}

/// What one money event writes to the books on one day: lines on the
/// payments account's statement and a voucher in a series.
#[derive(Debug, Clone, Copy)]
pub struct Entries<'a> {
    /// The voucher series (`domain::ledger`).
    pub series: &'a str,
    /// The statement lines, in order (may be none).
    pub lines: &'a [StatementLine],
    /// The voucher; it must balance.
    pub voucher: &'a VoucherDraft,
}

impl<'a> Entries<'a> {
    /// The lines and the voucher of series `series`.
    pub fn new(series: &'a str, lines: &'a [StatementLine], voucher: &'a VoucherDraft) -> Self {
        Self {
            series,
            lines,
            voucher,
        }
    }
}

/// Books `e` for the tenant: one update of the company row moves the payments
/// balance by all the lines and takes the voucher's number (serialising
/// concurrent bookings of the company); each statement entry gets its exact
/// balance, counted from the balance before the first line; the entries, the
/// voucher and its rows are inserted in three statements. Refuses a voucher
/// that does not balance, or that moves the settlement account by other than
/// what the lines move the payments account.
pub async fn book<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    e: Entries<'_>,
    day: NaiveDate,
    refs: Refs,
    now: DateTime<Utc>,
) -> AppResult<Voucher> {
    if !e.voucher.balances() {
        return Err(AppError::Internal(format!(
            "unbalanced voucher: {:?}",
            e.voucher
        )));
    }
    if !e.voucher.settles(e.lines) {
        return Err(AppError::Internal(format!(
            "voucher does not move the settlement account by its statement lines: {:?}, {:?}",
            e.voucher, e.lines
        )));
    }
    let total = e
        .lines
        .iter()
        .try_fold(Ore::ZERO, |sum, l| sum.checked_add(l.amount_ore))
        .ok_or_else(|| AppError::Internal("statement lines overflow".into()))?;
    let row = raw::one(
        db,
        "UPDATE company SET payments_balance_ore = payments_balance_ore + ?, \
         next_voucher_number = next_voucher_number + 1 WHERE id = ? \
         RETURNING payments_balance_ore, next_voucher_number - 1 AS taken",
        [total.into(), tenant.company_id().into()],
    )
    .await?
    .ok_or_else(|| AppError::Internal("company row missing".into()))?;
    let mut balance = raw::ore(&row, "payments_balance_ore")? - total;
    let number = raw::int(&row, "taken")?;
    if !e.lines.is_empty() {
        let entries: Vec<statement_entry::ActiveModel> = e
            .lines
            .iter()
            .map(|l| {
                balance += l.amount_ore;
                statement_entry::ActiveModel {
                    company_id: Set(tenant.company_id().get()),
                    booked_on: Set(day),
                    kind: Set(l.kind.to_string()),
                    description: Set(l.description.clone()),
                    amount_ore: Set(l.amount_ore.get()),
                    balance_after_ore: Set(balance.get()),
                    invoice_id: Set(refs.invoice_id.map(InvoiceId::get)),
                    sale_id: Set(refs.sale_id.map(SaleId::get)),
                    created_at: Set(now),
                    ..Default::default()
                }
            })
            .collect();
        statement_entry::Entity::insert_many(entries)
            .exec(db)
            .await?;
    }
    let v = voucher::ActiveModel {
        company_id: Set(tenant.company_id().get()),
        series: Set(e.series.to_string()),
        number: Set(number),
        date: Set(day),
        description: Set(e.voucher.description().to_string()),
        sale_id: Set(refs.sale_id.map(SaleId::get)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let rows: Vec<voucher_row::ActiveModel> = e
        .voucher
        .rows()
        .iter()
        .map(|p| voucher_row::ActiveModel {
            voucher_id: Set(v.id),
            account: Set(p.account),
            debit_ore: Set(p.debit_ore.get()),
            credit_ore: Set(p.credit_ore.get()),
            ..Default::default()
        })
        .collect();
    voucher_row::Entity::insert_many(rows).exec(db).await?;
    Ok(v.into())
}

fn entries(tenant: Tenant) -> Select<statement_entry::Entity> {
    statement_entry::Entity::find()
        .filter(statement_entry::Column::CompanyId.eq(tenant.company_id()))
}

/// The balances at the start of `from` and at the end of `to`: the balance
/// after the last entry booked before `from`, and after the last one booked
/// on or before `to` (0 without one). One statement, two index probes
/// (booking day, then id, backwards). The end is `to` itself, not the day
/// after it: after 9999-12-31 comes a five-digit year, which SQLite's text
/// dates sort before every other day.
pub async fn balances<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<(Ore, Ore)> {
    let probe = |before: &str| {
        format!(
            "CAST(COALESCE((SELECT balance_after_ore FROM statement_entry \
             WHERE company_id = ? AND booked_on {before} ? \
             ORDER BY booked_on DESC, id DESC LIMIT 1), 0) AS BIGINT)"
        )
    };
    let sql = format!(
        "SELECT {} AS opening, {} AS closing",
        probe("<"),
        probe("<=")
    );
    let c = tenant.company_id();
    let row = raw::one(db, &sql, [c.into(), from.into(), c.into(), to.into()])
        .await?
        .ok_or_else(|| AppError::Internal("balances query returned no row".into()))?;
    Ok((raw::ore(&row, "opening")?, raw::ore(&row, "closing")?))
}

/// Statement entries booked from `from` to `to` inclusive, in booking order.
pub fn entries_between(tenant: Tenant, from: NaiveDate, to: NaiveDate) -> Listing<Entry> {
    let select = entries(tenant)
        .filter(statement_entry::Column::BookedOn.gte(from))
        .filter(statement_entry::Column::BookedOn.lte(to));
    Listing::keyset(select, statement_entry::Column::Id, false)
}

/// The tenant's vouchers dated from `from` to `to` (each bound optional), in
/// number order.
pub fn vouchers(
    tenant: Tenant,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Listing<Voucher> {
    let q = vouchers_between(tenant, from, to);
    Listing::keyset(q, voucher::Column::Id, false)
}

fn vouchers_between(
    tenant: Tenant,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Select<voucher::Entity> {
    let mut q = voucher::Entity::find().filter(voucher::Column::CompanyId.eq(tenant.company_id()));
    if let Some(f) = from {
        q = q.filter(voucher::Column::Date.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(voucher::Column::Date.lte(t));
    }
    q
}

record!(
    /// A row of a voucher: one account debited or credited.
    VoucherLine from voucher_row::Model {
        /// Its id.
        id: i64,
        /// The voucher.
        voucher_id: VoucherId,
        /// BAS account.
        account: i32,
        /// Debit, in öre.
        debit_ore: Ore,
        /// Credit, in öre.
        credit_ore: Ore,
    }
);

/// The rows of the tenant's vouchers `ids`.
pub async fn voucher_rows<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<VoucherId>,
) -> AppResult<Vec<VoucherLine>> {
    // Rows carry no company column: the tenant's vouchers among `ids` bound
    // them, in the same statement.
    let own = vouchers_between(tenant, None, None)
        .select_only()
        .column(voucher::Column::Id)
        .filter(voucher::Column::Id.is_in(ids))
        .into_query();
    crate::store::record::all(
        db,
        voucher_row::Entity::find()
            .filter(voucher_row::Column::VoucherId.in_subquery(own))
            .order_by_asc(voucher_row::Column::Id),
    )
    .await
}

crate::store::by_id::key!(EntryId => Entry, table statement_entry, company CompanyId = company_id);
crate::store::by_id::key!(VoucherId => Voucher, table voucher, company CompanyId = company_id);

/// Adds a Nox Finans fee to the company's fees not yet settled (an increment).
pub async fn add_nox_fees_due<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ore: Ore,
) -> AppResult<()> {
    super::raw::exec(
        db,
        "UPDATE company SET nox_fees_due_ore = nox_fees_due_ore + ? WHERE id = ?",
        [ore.into(), tenant.company_id().into()],
    )
    .await?;
    Ok(())
}

/// The company's Nox Finans fees not yet settled.
pub async fn nox_fees_due<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<Ore> {
    Ok(super::companies::get(db, tenant).await?.nox_fees_due_ore)
}

/// Settles `ore` of the company's unsettled Nox Finans fees (set off or
/// invoiced); `false` when less than that is due (a concurrent settlement).
pub async fn settle_nox_fees<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ore: Ore,
) -> AppResult<bool> {
    if ore.is_zero() {
        return Ok(true);
    }
    let n = super::raw::exec(
        db,
        "UPDATE company SET nox_fees_due_ore = nox_fees_due_ore - ? WHERE id = ? AND nox_fees_due_ore >= ?",
        [ore.into(), tenant.company_id().into(), ore.into()],
    )
    .await?;
    Ok(n == 1)
}

crate::keyed_by_id!(statement_entry::Model, voucher::Model, Entry, Voucher);
