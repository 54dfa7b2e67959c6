//! Pages of invoices: sorts, keyset cursors, and the customer and latest
//! sale read along in the same statement.

use super::filter::filter_condition;
use super::*;
use crate::domain::id::InvoiceId;
use crate::store::rows::{Check, FromColumns, Width};
use sea_orm::DbBackend;
use sea_orm::sea_query::Asterisk;

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
            // Swedish alphabetical order (migration 21).
            Self::CustomerName => Some(col(C::CustomerNameSort)),
        }
    }
}

/// What to read along with a page of invoices, in the same statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Along {
    /// Each invoice's customer.
    pub customer: bool,
    /// Each invoice's latest sale.
    pub sale: bool,
    /// How much of each record (invoice, customer, sale) to read: brief
    /// records only for a reader that shows nothing beyond them.
    pub width: Width,
}

/// An invoice of a list with what was read along with it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The invoice.
    pub invoice: super::Invoice,
    /// Its customer, when asked for.
    pub customer: Option<super::super::customers::Customer>,
    /// Its latest sale, when asked for (`Some(None)`: never offered).
    pub sale: Option<Option<super::super::sales::Sale>>,
}

impl Keyed for Listed {
    fn key(&self) -> i64 {
        self.invoice.id.get()
    }
}

/// The tenant's invoices `base` matches, with their customers and latest
/// sales joined as `along` asks: one statement for a page and its to-one
/// relations. The columns are whole tables in entity order, or their brief
/// columns ([`Width`]), read back by position ([`rows`]). `backend` picks
/// how the latest sale is joined ([`latest_sale`]).
pub(super) fn joined(
    backend: DbBackend,
    tenant: Tenant,
    base: Select<invoice::Entity>,
    along: Along,
) -> SelectStatement {
    let mut q = base.into_query();
    // Each table's columns in the order `rows` reads them (a column name is
    // a static identifier: nothing is allocated for it).
    q.clear_selects();
    for c in invoice::Model::columns(along.width) {
        q.column((invoice::Entity, *c));
    }
    if along.customer {
        q.join(
            JoinType::InnerJoin,
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id))
                .equals((invoice::Entity, invoice::Column::CustomerId)),
        );
        for c in customer::Model::columns(along.width) {
            q.column((customer::Entity, *c));
        }
    }
    if along.sale {
        latest_sale(&mut q, backend, tenant);
        for c in invoice_sale::Model::columns(along.width) {
            q.column((invoice_sale::Entity, *c));
        }
    }
    q
}

/// Joins each invoice's latest sale of the tenant, if any, as
/// `invoice_sale`. PostgreSQL reads it with one backward step of the
/// (invoice_id, id) index per invoice (`LEFT JOIN LATERAL … ORDER BY id
/// DESC LIMIT 1`); SQLite, which has no lateral join, joins the sale whose
/// id is the invoice's largest, which PostgreSQL would find with two index
/// probes per invoice (Q1's statement took 0.247 ms there against 0.215
/// for the lateral join's).
///
/// Neither form can become a merge join: the one plan a connection keeps
/// for the statement must not walk every company's sales in invoice order
/// (12 ms a page in ascending order for the company holding the newest
/// invoices).
fn latest_sale(q: &mut SelectStatement, backend: DbBackend, tenant: Tenant) {
    let of_tenant =
        Expr::col((invoice_sale::Entity, invoice_sale::Column::CompanyId)).eq(tenant.company_id());
    if backend == DbBackend::Postgres {
        let of_invoice = Expr::col((invoice_sale::Entity, invoice_sale::Column::InvoiceId))
            .equals((invoice::Entity, invoice::Column::Id));
        let newest = Query::select()
            .column(Asterisk)
            .from(invoice_sale::Entity)
            .and_where(of_invoice)
            .and_where(of_tenant)
            .order_by(invoice_sale::Column::Id, Order::Desc)
            .limit(1)
            .to_owned();
        q.join_lateral(
            JoinType::LeftJoin,
            newest,
            invoice_sale::Entity,
            Expr::val(true),
        );
        return;
    }
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
                Expr::col((invoice_sale::Entity, invoice_sale::Column::Id)).eq(Expr::SubQuery(
                    None,
                    Box::new(SubQueryStatement::from(newest)),
                )),
            )
            .add(of_tenant),
    );
}

pub(super) fn listed(row: &QueryResult, along: Along, check: Check) -> AppResult<Listed> {
    // By position: the invoice's columns, then the customer's, then the sale's.
    let at = &mut 0;
    let width = along.width;
    let invoice = invoice::Model::read(row, at, check, width)?.try_into()?;
    let customer = if along.customer {
        Some(customer::Model::read(row, at, check, width)?.into())
    } else {
        None
    };
    let sale = if along.sale {
        Some(
            rows::optional::<invoice_sale::Model>(row, at, check, width)?
                .map(super::super::sales::Sale::try_from)
                .transpose()?,
        )
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
    let sort = order.sort.expr().map(|value| {
        // The cursor's own sort value, read by id from the same index.
        let pivot = Query::select()
            .expr(value.clone())
            .from(invoice::Entity)
            .and_where(Expr::col((invoice::Entity, invoice::Column::Id)).eq(cursor))
            .and_where(
                Expr::col((invoice::Entity, invoice::Column::CompanyId)).eq(tenant.company_id()),
            )
            .to_owned();
        (value, pivot)
    });
    crate::store::page::past(id, sort, cursor, forward != order.descending, inclusive)
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
        let s = scoped(tenant).filter(filter_condition(tenant, filter, today));
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
    let (size, cursor, forward) = req.parts();
    let mut select = base();
    if let Some(c) = cursor {
        select = select.filter(beyond(tenant, order, c, forward, false));
    }
    let mut q = joined(db.get_database_backend(), tenant, select, along);
    let dir = if order.descending == forward {
        Order::Desc
    } else {
        Order::Asc
    };
    if let Some(value) = order.sort.expr() {
        q.order_by_expr(value, dir.clone());
    }
    q.order_by((invoice::Entity, invoice::Column::Id), dir);
    let rows = db
        .query_all_raw(crate::store::page::limited(db, &q, size + 1))
        .await?;
    // Sized up front: collecting `Result`s would grow the vector (and move
    // every record read so far) four times on the way to 51.
    let mut items = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        items.push(listed(r, along, Check::for_row(i))?);
    }
    let other = match cursor {
        Some(c) if other_side => {
            let probe = base()
                .filter(beyond(tenant, order, c, !forward, true))
                .into_query();
            db.query_one_raw(crate::store::page::limited(db, &probe, 1))
                .await?
                .is_some()
        }
        _ => false,
    };
    Ok(Page::window(items, size, forward, other))
}

/// How many invoices match.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    filter: &InvoiceFilter,
    today: NaiveDate,
) -> AppResult<u64> {
    Ok(scoped(tenant)
        .filter(filter_condition(tenant, filter, today))
        .count(db)
        .await?)
}

/// One invoice of the tenant with what `along` asks for, in one statement.
pub async fn get_along<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    along: Along,
) -> AppResult<Option<Listed>> {
    let q = joined(
        db.get_database_backend(),
        tenant,
        scoped(tenant).filter(invoice::Column::Id.eq(id)),
        along,
    );
    match db.query_one(&q).await? {
        Some(row) => Ok(Some(listed(&row, along, Check::Types)?)),
        None => Ok(None),
    }
}
