//! The first page of each of several customers' invoices, in one statement.

use std::collections::HashMap;

use sea_orm::DbBackend;
use sea_orm::sea_query::{Asterisk, UnionType};

use super::filter::filter_condition;
use super::list::{joined, listed};
use super::*;
use crate::store::rows::Check;

/// The first page, newest first, of the invoices of each of the tenant's
/// customers `customers`, each with what `along` asks for: one statement, a
/// branch per customer that reads that customer's newest `size + 1`
/// invoices from `ix_invoice_company_customer_id`, so a page of customers
/// with their invoices costs one read however many customers it shows.
/// Each page is what [`list`](fn@super::list) gives for that customer with no
/// cursor; a customer with no invoices gets an empty page. More than
/// [`BRANCHES`] customers take a statement per [`BRANCHES`].
pub async fn first_pages<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    customers: &[CustomerId],
    today: NaiveDate,
    size: u64,
    along: Along,
) -> AppResult<HashMap<CustomerId, Page<Listed>>> {
    let mut pages: HashMap<CustomerId, Page<Listed>> =
        customers.iter().map(|c| (*c, Page::empty())).collect();
    let each: Vec<CustomerId> = pages.keys().copied().collect();
    let backend = db.get_database_backend();
    for some in each.chunks(BRANCHES) {
        let q = branches(backend, tenant, some, today, size, along);
        let rows = db.query_all_raw(backend.build(&q)).await?;
        for (i, r) in rows.iter().enumerate() {
            let item = listed(r, along, Check::for_row(i))?;
            let Some(page) = pages.get_mut(&item.invoice.customer_id) else {
                continue;
            };
            if page.items.len() as u64 == size {
                page.has_next = true;
            } else {
                page.items.push(item);
            }
        }
    }
    Ok(pages)
}

/// The most customers one statement reads: SQLite takes at most 500 terms
/// in a compound SELECT, and the server's page size may be up to 10,000.
pub const BRANCHES: usize = 100;

/// One branch per customer, each its customer's newest `size + 1`
/// invoices, as one `UNION ALL`. Each branch is a subquery of its own:
/// SQLite allows no ORDER BY or LIMIT on a member of a compound SELECT.
fn branches(
    backend: DbBackend,
    tenant: Tenant,
    customers: &[CustomerId],
    today: NaiveDate,
    size: u64,
    along: Along,
) -> SelectStatement {
    let branch = |i: usize, customer: CustomerId| {
        let filter = InvoiceFilter {
            customer_id: Some(customer),
            ..InvoiceFilter::default()
        };
        let base = scoped(tenant).filter(filter_condition(tenant, &filter, today));
        let mut page = joined(backend, tenant, base, along);
        page.order_by((invoice::Entity, invoice::Column::Id), Order::Desc)
            .limit(size + 1);
        Query::select()
            .column(Asterisk)
            .from_subquery(page, Alias::new(format!("c{i}")))
            .to_owned()
    };
    let mut each = customers.iter().enumerate().map(|(i, c)| branch(i, *c));
    // `customers` is a chunk: never empty.
    let mut all = each.next().unwrap_or_else(|| Query::select().to_owned());
    for next in each {
        all.union(UnionType::All, next);
    }
    all
}
