//! The invoice list: its sort orders and one keyset-paginated page.

use super::*;
use crate::store::page::Page;

/// What an invoice list can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InvoiceOrderField {
    /// The invoice number (the order numbers were assigned in).
    Number,
    /// The invoice date.
    InvoiceDate,
    /// The due date.
    DueDate,
    /// The total.
    Total,
    /// The customer name as printed on the invoice, in Swedish alphabetical
    /// order: case and accents aside, Å, Ä and Ö after Z; no name first.
    CustomerName,
}

/// A sort direction.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// How to sort an invoice list. Equal values keep number order; every sort
/// pages by cursor in both directions at the same cost anywhere in the list.
#[derive(async_graphql::InputObject, Copy, Clone, Debug)]
pub struct InvoiceOrder {
    /// By what.
    pub field: InvoiceOrderField,
    /// Which way.
    pub direction: OrderDirection,
}

impl InvoiceOrder {
    /// The store's order; none given is newest first.
    pub fn into_store(order: Option<Self>) -> invoices::InvoiceOrder {
        let Some(o) = order else {
            return invoices::InvoiceOrder::default();
        };
        invoices::InvoiceOrder {
            sort: match o.field {
                InvoiceOrderField::Number => InvoiceSort::Number,
                InvoiceOrderField::InvoiceDate => InvoiceSort::InvoiceDate,
                InvoiceOrderField::DueDate => InvoiceSort::DueDate,
                InvoiceOrderField::Total => InvoiceSort::Total,
                InvoiceOrderField::CustomerName => InvoiceSort::CustomerName,
            },
            descending: o.direction == OrderDirection::Desc,
        }
    }
}

/// What a page of invoices for the current connection field reads along,
/// from what the client selected: customers and sales are joined into the
/// page's one statement and each invoice keeps its own ([`Joined`]), so the
/// nodes read no more and ask no loader. With it, whether `pageInfo` asks
/// about the far side of the cursor.
pub fn along(ctx: &Context<'_>, req: PageRequest) -> (Along, bool) {
    let look = ctx.look_ahead();
    let node = |name: &str| {
        look.field("nodes").field(name).exists()
            || look.field("edges").field("node").field(name).exists()
    };
    let nodes = look.field("nodes").selection_fields();
    let edges = look.field("edges").field("node").selection_fields();
    let along = Along {
        customer: node("customer"),
        sale: node("sale") || node("listIcon"),
        width: brief::width(ctx, nodes.into_iter().chain(edges)),
    };
    (along, crate::graphql::connection::far_side_asked(ctx, req))
}

/// One page of invoices for a connection field, reading along what the
/// client selected ([`along`]); whether rows lie on the far side of the
/// cursor is asked only when `pageInfo` asks for it.
pub async fn invoice_page(
    ctx: &Context<'_>,
    tenant: Tenant,
    filter: InvoiceFilter,
    order: invoices::InvoiceOrder,
    req: PageRequest,
) -> GqlResult<InvoiceConnection> {
    let st = state(ctx);
    let (along, other_side) = along(ctx, req);
    let page = invoices::list(
        &st.db,
        tenant,
        &filter,
        st.clock.today(),
        order,
        req,
        along,
        other_side,
    )
    .await?;
    Ok(connection(ctx, tenant, filter, page))
}

/// The connection of a page of invoices that `filter` matches; its
/// `totalCount` counts them when a client asks.
pub fn connection(
    ctx: &Context<'_>,
    tenant: Tenant,
    filter: InvoiceFilter,
    page: Page<invoices::Listed>,
) -> InvoiceConnection {
    let st = state(ctx).clone();
    let today = st.clock.today();
    InvoiceConnection::from_page(
        page,
        Invoice::from,
        Box::new(move || {
            let st = st.clone();
            let filter = filter.clone();
            Box::pin(async move { invoices::count(&st.db, tenant, &filter, today).await })
        }),
    )
}
