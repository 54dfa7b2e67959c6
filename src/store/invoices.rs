//! Invoices of the tenant, their rows and payments.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{customer, invoice, invoice_row, invoice_sale, payment};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement, SubQueryStatement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Iterable, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QueryTrait, Select, Set,
};

use super::Tenant;
use super::customers::contains;
use super::page::{Keyed, Page, PageRequest};
use super::rows::{self, FromColumns};
use crate::domain::invoice::{InvoiceState, Row};
use crate::error::{AppError, AppResult};

impl Keyed for invoice::Model {
    fn key(&self) -> i64 {
        self.id
    }
}

/// Which invoices a list shows.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    /// Any of these states (empty: all).
    pub states: Vec<InvoiceState>,
    /// Only this customer's.
    pub customer_id: Option<i64>,
    /// Only those due before this date.
    pub due_before: Option<NaiveDate>,
    /// Invoice number, OCR or printed customer name contains this.
    pub search: Option<String>,
    /// Only sent (true) or unsent (false) ones.
    pub sent: Option<bool>,
    /// Only invoices with a sale in one of these statuses (stored form).
    pub sale_statuses: Vec<&'static str>,
    /// Only invoices handed to Nox Finans (true) or not (false).
    pub handed_to_nox: Option<bool>,
}

/// Every column of an invoice that a use case sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRecord {
    /// Customer.
    pub customer_id: i64,
    /// Name as printed.
    pub customer_name: Option<String>,
    /// Street as printed.
    pub street: Option<String>,
    /// Postal code as printed.
    pub postal_code: Option<String>,
    /// City as printed.
    pub city: Option<String>,
    /// Country as printed.
    pub country: String,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Terms of payment code.
    pub terms_of_payment: String,
    /// Currency.
    pub currency: String,
    /// `INVOICE`, `CASH`, `INTEREST`.
    pub invoice_type: String,
    /// Net.
    pub net_ore: i64,
    /// VAT.
    pub vat_ore: i64,
    /// Total.
    pub total_ore: i64,
    /// Balance.
    pub balance_ore: i64,
    /// ROT/RUT.
    pub house_work_type: Option<String>,
    /// Tax reduction.
    pub house_work_deductible_ore: Option<i64>,
    /// Not completed.
    pub not_completed: bool,
}

fn scoped(tenant: Tenant) -> Select<invoice::Entity> {
    invoice::Entity::find().filter(invoice::Column::CompanyId.eq(tenant.company_id()))
}

fn state_condition(state: InvoiceState, today: NaiveDate) -> Condition {
    use invoice::Column as C;
    let open = || {
        Condition::all()
            .add(C::Cancelled.eq(false))
            .add(C::NotCompleted.eq(false))
    };
    match state {
        InvoiceState::Cancelled => Condition::all().add(C::Cancelled.eq(true)),
        InvoiceState::NotCompleted => Condition::all()
            .add(C::Cancelled.eq(false))
            .add(C::NotCompleted.eq(true)),
        InvoiceState::Sold => open().add(C::Sold.eq(true)),
        InvoiceState::Paid => open().add(C::Sold.eq(false)).add(C::BalanceOre.lte(0)),
        InvoiceState::Overdue => open()
            .add(C::Sold.eq(false))
            .add(C::BalanceOre.gt(0))
            .add(C::DueDate.lt(today)),
        InvoiceState::Unpaid => open()
            .add(C::Sold.eq(false))
            .add(C::BalanceOre.gt(0))
            .add(C::DueDate.gte(today)),
    }
}

fn filter_condition(f: &InvoiceFilter, today: NaiveDate) -> Condition {
    use invoice::Column as C;
    let mut cond = Condition::all();
    if !f.states.is_empty() {
        cond = cond.add(f.states.iter().fold(Condition::any(), |any, s| {
            any.add(state_condition(*s, today))
        }));
    }
    if let Some(c) = f.customer_id {
        cond = cond.add(C::CustomerId.eq(c));
    }
    if let Some(d) = f.due_before {
        cond = cond.add(C::DueDate.lt(d));
    }
    if let Some(sent) = f.sent {
        cond = cond.add(C::Sent.eq(sent));
    }
    if !f.sale_statuses.is_empty() {
        let sold = Query::select()
            .column(entity::invoice_sale::Column::InvoiceId)
            .from(entity::invoice_sale::Entity)
            .and_where(
                Expr::col(entity::invoice_sale::Column::Status)
                    .is_in(f.sale_statuses.iter().copied()),
            )
            .to_owned();
        cond = cond.add(Expr::col(C::Id).in_subquery(sold));
    }
    if let Some(handed) = f.handed_to_nox {
        let cases = Query::select()
            .column(entity::nox_case::Column::InvoiceId)
            .from(entity::nox_case::Entity)
            .to_owned();
        cond = cond.add(if handed {
            Expr::col(C::Id).in_subquery(cases)
        } else {
            Expr::col(C::Id).not_in_subquery(cases)
        });
    }
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond.add(
            Condition::any()
                .add(C::InvoiceNumber.like(contains(s)))
                .add(C::Ocr.like(contains(s)))
                .add(Expr::expr(Func::lower(Expr::col(C::CustomerName))).like(contains(s))),
        );
    }
    cond
}

/// One invoice of the tenant with what `along` asks for, in one statement.
pub async fn get_along<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    along: Along,
) -> AppResult<Option<Listed>> {
    let q = joined(
        tenant,
        scoped(tenant).filter(invoice::Column::Id.eq(id)),
        along,
    );
    match db.query_one(&q).await? {
        Some(row) => Ok(Some(listed(&row, along)?)),
        None => Ok(None),
    }
}

/// One invoice of the tenant.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
) -> AppResult<Option<invoice::Model>> {
    Ok(scoped(tenant)
        .filter(invoice::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// The tenant's invoices with these ids (missing or foreign ids are absent).
pub async fn get_many<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<i64>,
) -> AppResult<Vec<invoice::Model>> {
    Ok(scoped(tenant)
        .filter(invoice::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// An invoice of any company (operator views).
pub async fn get_any<C: ConnectionTrait>(
    db: &C,
    _op: super::Operator,
    id: i64,
) -> AppResult<Option<invoice::Model>> {
    Ok(invoice::Entity::find_by_id(id).one(db).await?)
}

/// Invoices of any company with these ids (operator views).
pub async fn get_many_any<C: ConnectionTrait>(
    db: &C,
    _op: super::Operator,
    ids: Vec<i64>,
) -> AppResult<Vec<invoice::Model>> {
    Ok(invoice::Entity::find()
        .filter(invoice::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// The rows of invoices of any company (operator views).
pub async fn rows_of_any<C: ConnectionTrait>(
    db: &C,
    _op: super::Operator,
    ids: Vec<i64>,
) -> AppResult<Vec<invoice_row::Model>> {
    Ok(invoice_row::Entity::find()
        .filter(invoice_row::Column::InvoiceId.is_in(ids))
        .order_by_asc(invoice_row::Column::InvoiceId)
        .order_by_asc(invoice_row::Column::Position)
        .all(db)
        .await?)
}

/// One invoice of the tenant, or `NOT_FOUND` naming input `field`.
pub async fn require<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    field: &str,
) -> AppResult<invoice::Model> {
    get(db, tenant, id)
        .await?
        .ok_or_else(|| AppError::not_found("invoice", field))
}

/// What an invoice list is sorted by. Every order ends with the id, so rows
/// with equal values keep one order and a cursor (an invoice id) marks one
/// place; each has an index of the same columns behind `company_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvoiceSort {
    /// Creation order, which is also the order numbers were assigned in.
    #[default]
    Number,
    /// Invoice date.
    InvoiceDate,
    /// Due date.
    DueDate,
    /// Total.
    Total,
    /// Customer name as printed (no name sorts as empty).
    CustomerName,
}

/// A sort and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvoiceOrder {
    /// By what.
    pub sort: InvoiceSort,
    /// Largest first.
    pub descending: bool,
}

impl Default for InvoiceOrder {
    /// Newest first.
    fn default() -> Self {
        Self {
            sort: InvoiceSort::Number,
            descending: true,
        }
    }
}

impl InvoiceSort {
    /// The sort value's SQL, or `None` when the id alone orders.
    fn expr(self) -> Option<Expr> {
        use invoice::Column as C;
        let col = |c: C| Expr::col((invoice::Entity, c));
        match self {
            Self::Number => None,
            Self::InvoiceDate => Some(col(C::InvoiceDate)),
            Self::DueDate => Some(col(C::DueDate)),
            Self::Total => Some(col(C::TotalOre)),
            // Written out so that it matches the expression index literally.
            Self::CustomerName => Some(Expr::cust(r#"COALESCE("invoice"."customer_name", '')"#)),
        }
    }
}

/// What to read along with a page of invoices, in the same statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Along {
    /// Each invoice's customer.
    pub customer: bool,
    /// Each invoice's latest sale.
    pub sale: bool,
}

/// An invoice of a list with what was read along with it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The invoice.
    pub invoice: invoice::Model,
    /// Its customer, when asked for.
    pub customer: Option<customer::Model>,
    /// Its latest sale, when asked for (`Some(None)`: never offered).
    pub sale: Option<Option<invoice_sale::Model>>,
}

impl Keyed for Listed {
    fn key(&self) -> i64 {
        self.invoice.id
    }
}

/// The tenant's invoices `base` matches, with their customers and latest
/// sales joined as `along` asks: one statement for a page and its to-one
/// relations. The columns are whole tables in entity order, read back by
/// position ([`rows`]).
fn joined(tenant: Tenant, base: Select<invoice::Entity>, along: Along) -> SelectStatement {
    let mut q = base.into_query();
    if along.customer {
        q.join(
            JoinType::InnerJoin,
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id))
                .equals((invoice::Entity, invoice::Column::CustomerId)),
        );
        for c in customer::Column::iter() {
            q.column((customer::Entity, c));
        }
    }
    if along.sale {
        let latest = Alias::new("latest_sale");
        let newest = Query::select()
            .expr(Expr::col((latest.clone(), invoice_sale::Column::Id)).max())
            .from_as(invoice_sale::Entity, latest.clone())
            .and_where(
                Expr::col((latest.clone(), invoice_sale::Column::InvoiceId))
                    .equals((invoice::Entity, invoice::Column::Id)),
            )
            .to_owned();
        q.join(
            JoinType::LeftJoin,
            invoice_sale::Entity,
            Condition::all()
                .add(
                    Expr::col((invoice_sale::Entity, invoice_sale::Column::InvoiceId))
                        .equals((invoice::Entity, invoice::Column::Id)),
                )
                .add(
                    Expr::col((invoice_sale::Entity, invoice_sale::Column::Id)).eq(Expr::SubQuery(
                        None,
                        Box::new(SubQueryStatement::from(newest)),
                    )),
                )
                .add(
                    Expr::col((invoice_sale::Entity, invoice_sale::Column::CompanyId))
                        .eq(tenant.company_id()),
                ),
        );
        for c in invoice_sale::Column::iter() {
            q.column((invoice_sale::Entity, c));
        }
    }
    q
}

fn listed(row: &QueryResult, along: Along) -> Result<Listed, DbErr> {
    // By position: the invoice's columns, then the customer's, then the sale's.
    let at = &mut 0;
    let invoice = invoice::Model::from_columns(row, at)?;
    let customer = if along.customer {
        Some(customer::Model::from_columns(row, at)?)
    } else {
        None
    };
    let sale = if along.sale {
        Some(rows::optional::<invoice_sale::Model>(row, at)?)
    } else {
        None
    };
    Ok(Listed {
        invoice,
        customer,
        sale,
    })
}

/// Invoices beyond the one with id `cursor` in `order` (`forward`: further
/// along the list; otherwise before it), that invoice excluded unless
/// `inclusive`.
fn beyond(
    tenant: Tenant,
    order: InvoiceOrder,
    cursor: i64,
    forward: bool,
    inclusive: bool,
) -> Expr {
    let id = Expr::col((invoice::Entity, invoice::Column::Id));
    let larger = forward != order.descending;
    let cmp = |l: Expr, r: Expr| match (larger, inclusive) {
        (true, false) => l.gt(r),
        (true, true) => l.gte(r),
        (false, false) => l.lt(r),
        (false, true) => l.lte(r),
    };
    match order.sort.expr() {
        None => cmp(id, Expr::val(cursor)),
        Some(value) => {
            // The cursor's own sort value, read by id from the same index.
            let pivot = Query::select()
                .expr(value.clone())
                .from(invoice::Entity)
                .and_where(Expr::col((invoice::Entity, invoice::Column::Id)).eq(cursor))
                .and_where(
                    Expr::col((invoice::Entity, invoice::Column::CompanyId))
                        .eq(tenant.company_id()),
                )
                .to_owned();
            cmp(
                Expr::tuple([value, id]),
                Expr::tuple([
                    Expr::SubQuery(None, Box::new(SubQueryStatement::from(pivot))),
                    Expr::val(cursor),
                ]),
            )
        }
    }
}

/// One page of the tenant's invoices that `filter` matches, in `order`, with
/// what `along` asks for read in the same statement. `other_side`: whether to
/// find out if rows precede the page (forward) or follow it (backward), one
/// more statement when a cursor is given; otherwise that flag is false.
#[allow(clippy::too_many_arguments)]
pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    filter: &InvoiceFilter,
    today: NaiveDate,
    order: InvoiceOrder,
    req: PageRequest,
    along: Along,
    other_side: bool,
) -> AppResult<Page<Listed>> {
    let base = || {
        let s = scoped(tenant).filter(filter_condition(filter, today));
        if order.sort == InvoiceSort::Number {
            // In id order PostgreSQL may walk the primary key and filter out
            // every other company's invoices ahead of this one's (150 ms a
            // page for a company holding most of 1,000,000 invoices). Stated
            // as a bound on (company_id, id) as well, the tenant filter makes
            // the (company_id, id) index the one to walk. Always true.
            s.filter(
                Expr::tuple([
                    Expr::col((invoice::Entity, invoice::Column::CompanyId)),
                    Expr::col((invoice::Entity, invoice::Column::Id)),
                ])
                .gt(Expr::tuple([
                    Expr::val(tenant.company_id()),
                    Expr::val(0i64),
                ])),
            )
        } else {
            s
        }
    };
    let (size, cursor, forward) = match req {
        PageRequest::Forward { first, after } => (first, after, true),
        PageRequest::Backward { last, before } => (last, before, false),
    };
    let mut select = base();
    if let Some(c) = cursor {
        select = select.filter(beyond(tenant, order, c, forward, false));
    }
    let mut q = joined(tenant, select, along);
    let dir = if order.descending == forward {
        Order::Desc
    } else {
        Order::Asc
    };
    if let Some(value) = order.sort.expr() {
        q.order_by_expr(value, dir.clone());
    }
    q.order_by((invoice::Entity, invoice::Column::Id), dir)
        .limit(size + 1);
    let rows = db.query_all(&q).await?;
    let mut items = rows
        .iter()
        .map(|r| listed(r, along))
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() as u64 > size;
    items.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    if !forward {
        items.reverse();
    }
    let other = match cursor {
        Some(c) if other_side => base()
            .filter(beyond(tenant, order, c, !forward, true))
            .one(db)
            .await?
            .is_some(),
        _ => false,
    };
    let (has_next, has_previous) = if forward {
        (more, other)
    } else {
        (other, more)
    };
    Ok(Page {
        items,
        has_next,
        has_previous,
    })
}

/// How many invoices match.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    filter: &InvoiceFilter,
    today: NaiveDate,
) -> AppResult<u64> {
    Ok(scoped(tenant)
        .filter(filter_condition(filter, today))
        .count(db)
        .await?)
}

/// The rows of the tenant's invoices `ids`, by invoice and position.
pub async fn rows_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<i64>,
) -> AppResult<Vec<invoice_row::Model>> {
    // Rows carry no company column: keep only ids that are the tenant's.
    let own: Vec<i64> = scoped(tenant)
        .filter(invoice::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    Ok(invoice_row::Entity::find()
        .filter(invoice_row::Column::InvoiceId.is_in(own))
        .order_by_asc(invoice_row::Column::InvoiceId)
        .order_by_asc(invoice_row::Column::Position)
        .all(db)
        .await?)
}

async fn write_rows<C: ConnectionTrait>(db: &C, invoice_id: i64, rows: &[Row]) -> AppResult<()> {
    invoice_row::Entity::delete_many()
        .filter(invoice_row::Column::InvoiceId.eq(invoice_id))
        .exec(db)
        .await?;
    let models: Vec<invoice_row::ActiveModel> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| invoice_row::ActiveModel {
            invoice_id: Set(invoice_id),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            description: Set(r.description.clone()),
            quantity_milli: Set(r.quantity_milli),
            unit_price_ore: Set(r.unit_price_ore),
            vat_rate_bp: Set(r.vat_rate_bp),
            amount_ore: Set(r.amount_ore),
            ..Default::default()
        })
        .collect();
    invoice_row::Entity::insert_many(models).exec(db).await?;
    Ok(())
}

fn active(r: InvoiceRecord) -> invoice::ActiveModel {
    invoice::ActiveModel {
        customer_id: Set(r.customer_id),
        customer_name: Set(r.customer_name),
        street: Set(r.street),
        postal_code: Set(r.postal_code),
        city: Set(r.city),
        country: Set(r.country),
        invoice_date: Set(r.invoice_date),
        due_date: Set(r.due_date),
        terms_of_payment: Set(r.terms_of_payment),
        currency: Set(r.currency),
        invoice_type: Set(r.invoice_type),
        net_ore: Set(r.net_ore),
        vat_ore: Set(r.vat_ore),
        total_ore: Set(r.total_ore),
        balance_ore: Set(r.balance_ore),
        house_work_type: Set(r.house_work_type),
        house_work_deductible_ore: Set(r.house_work_deductible_ore),
        not_completed: Set(r.not_completed),
        ..Default::default()
    }
}

/// Inserts an invoice with its rows for the tenant.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_number: String,
    ocr: String,
    record: InvoiceRecord,
    rows: &[Row],
    now: DateTime<Utc>,
) -> AppResult<invoice::Model> {
    let mut am = active(record);
    am.company_id = Set(tenant.company_id());
    am.invoice_number = Set(invoice_number);
    am.ocr = Set(ocr);
    am.cancelled = Set(false);
    am.sent = Set(false);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    let inv = am.insert(db).await?;
    write_rows(db, inv.id, rows).await?;
    Ok(inv)
}

/// Replaces the editable columns and the rows of the tenant's invoice `id`.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    record: InvoiceRecord,
    rows: &[Row],
    now: DateTime<Utc>,
) -> AppResult<invoice::Model> {
    let mut am = active(record);
    am.updated_at = Set(now);
    write_flags(db, tenant, id, am).await?;
    write_rows(db, id, rows).await?;
    require(db, tenant, id, "id").await
}

/// Writes the set columns of `changes` to the tenant's invoice `id`.
pub async fn write_flags<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    changes: invoice::ActiveModel,
) -> AppResult<invoice::Model> {
    let res = invoice::Entity::update_many()
        .set(changes)
        .filter(invoice::Column::Id.eq(id))
        .filter(invoice::Column::CompanyId.eq(tenant.company_id()))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::not_found("invoice", "id"));
    }
    require(db, tenant, id, "id").await
}

/// A payment to record, already split and checked by the use case.
#[derive(Debug, Clone)]
pub struct NewPayment {
    /// The invoice.
    pub invoice_id: i64,
    /// Stored payer (see `domain::invoice::Payer`).
    pub payer: &'static str,
    /// The client's key.
    pub idempotency_key: Option<String>,
    /// The whole amount.
    pub amount_ore: i64,
    /// Towards the customer's part of the invoice.
    pub capital_ore: i64,
    /// Towards the customer's fees (through Nox Finans).
    pub fees_ore: i64,
    /// Towards interest (through Nox Finans).
    pub interest_ore: i64,
    /// Towards Skatteverket's part (a Skatteverket payment).
    pub house_work_ore: i64,
    /// Off the invoice by a credit note.
    pub credit_ore: i64,
    /// The day it was paid.
    pub paid_on: NaiveDate,
}

/// Records a payment and lowers the balance by increments, refusing (with
/// `CONFLICT`) when the part it pays has meanwhile become smaller than it.
pub async fn add_payment<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    p: NewPayment,
    now: DateTime<Utc>,
) -> AppResult<invoice::Model> {
    let customer_part = p.capital_ore + p.credit_ore;
    let n = super::raw::exec(
        db,
        "UPDATE invoice SET balance_ore = balance_ore - ?, \
         house_work_paid_ore = house_work_paid_ore + ?, credited_ore = credited_ore + ?, updated_at = ? \
         WHERE id = ? AND company_id = ? \
         AND balance_ore - (COALESCE(house_work_deductible_ore, 0) - house_work_paid_ore) >= ? \
         AND COALESCE(house_work_deductible_ore, 0) - house_work_paid_ore >= ?",
        [
            (customer_part + p.house_work_ore).into(),
            p.house_work_ore.into(),
            p.credit_ore.into(),
            now.into(),
            p.invoice_id.into(),
            tenant.company_id().into(),
            customer_part.into(),
            p.house_work_ore.into(),
        ],
    )
    .await?;
    if n == 0 {
        return Err(AppError::Conflict(
            "the payment is larger than what is left to pay on the invoice".into(),
        ));
    }
    payment::ActiveModel {
        company_id: Set(tenant.company_id()),
        invoice_id: Set(p.invoice_id),
        amount_ore: Set(p.amount_ore),
        paid_on: Set(p.paid_on),
        payer: Set(p.payer.to_string()),
        idempotency_key: Set(p.idempotency_key),
        capital_ore: Set(customer_part),
        fees_ore: Set(p.fees_ore),
        interest_ore: Set(p.interest_ore),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    require(db, tenant, p.invoice_id, "invoiceId").await
}

/// The tenant's payment recorded under `key`, if any.
pub async fn payment_by_key<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    key: &str,
) -> AppResult<Option<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::CompanyId.eq(tenant.company_id()))
        .filter(payment::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// The payments (and credits) of the tenant's invoices `ids`, oldest first.
pub async fn payments_of_many<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<i64>,
) -> AppResult<Vec<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::CompanyId.eq(tenant.company_id()))
        .filter(payment::Column::InvoiceId.is_in(ids))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?)
}

/// The payments (and credits) of the tenant's invoice, oldest first.
pub async fn payments_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
) -> AppResult<Vec<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::CompanyId.eq(tenant.company_id()))
        .filter(payment::Column::InvoiceId.eq(invoice_id))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?)
}

/// Settles the tenant's invoice as sold: the customer's part (`amount_ore`)
/// leaves the balance. `false` when it is already sold or the balance moved.
pub async fn settle_sold<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
    amount_ore: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let sold = true;
    let n = super::raw::exec(
        db,
        "UPDATE invoice SET sold = ?, balance_ore = balance_ore - ?, updated_at = ? \
         WHERE id = ? AND company_id = ? AND sold = ? AND balance_ore >= ?",
        [
            sold.into(),
            amount_ore.into(),
            now.into(),
            invoice_id.into(),
            tenant.company_id().into(),
            (!sold).into(),
            amount_ore.into(),
        ],
    )
    .await?;
    Ok(n == 1)
}

/// Links a credit note to the invoice it credits.
pub async fn link_credit_note<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    credit_note_id: i64,
    invoice_id: i64,
) -> AppResult<()> {
    invoice::Entity::update_many()
        .col_expr(invoice::Column::CreditsInvoiceId, Expr::value(invoice_id))
        .filter(invoice::Column::Id.eq(credit_note_id))
        .filter(invoice::Column::CompanyId.eq(tenant.company_id()))
        .exec(db)
        .await?;
    Ok(())
}

/// The latest credit note of `amount_ore` crediting the tenant's invoice.
pub async fn credit_note_for<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
    amount_ore: i64,
) -> AppResult<Option<invoice::Model>> {
    Ok(scoped(tenant)
        .filter(invoice::Column::CreditsInvoiceId.eq(invoice_id))
        .filter(invoice::Column::TotalOre.eq(-amount_ore))
        .order_by_desc(invoice::Column::Id)
        .one(db)
        .await?)
}

/// Which service holds an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A sale, by its id.
    Sale(i64),
    /// A Nox Finans case, by its id.
    NoxFinans(i64),
}

impl Holder {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Self::Sale(id) => ("SALE", id),
            Self::NoxFinans(id) => ("NOX_FINANS", id),
        }
    }
}

/// Lets `holder` hold the tenant's invoice. The database allows one holder per
/// invoice: when another service holds it, this is a `CONFLICT`.
pub async fn hold<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
    holder: Holder,
) -> AppResult<()> {
    let (kind, id) = holder.parts();
    entity::invoice_hold::ActiveModel {
        invoice_id: Set(invoice_id),
        company_id: Set(tenant.company_id()),
        holder: Set(kind.to_string()),
        holder_id: Set(id),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => {
            AppError::Conflict("the invoice is already held by a sale or by Nox Finans".into())
        }
        other => other,
    })?;
    Ok(())
}

/// Frees the tenant's invoice from `holder` (a denied or withdrawn sale, a
/// rejected or recalled case).
pub async fn release<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
    holder: Holder,
) -> AppResult<()> {
    let (kind, id) = holder.parts();
    entity::invoice_hold::Entity::delete_many()
        .filter(entity::invoice_hold::Column::InvoiceId.eq(invoice_id))
        .filter(entity::invoice_hold::Column::CompanyId.eq(tenant.company_id()))
        .filter(entity::invoice_hold::Column::Holder.eq(kind))
        .filter(entity::invoice_hold::Column::HolderId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
