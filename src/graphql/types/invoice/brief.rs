//! Which invoice selections brief records answer ([`Width::Brief`]).
//!
//! A list page that shows only an invoice's number, dates and amounts, its
//! customer's name and address and its sale's status and payout reads the
//! brief columns of the three tables instead of all of them. Each field
//! named here reads only columns in its table's `BRIEF` list
//! (`store::rows`); a selection with any other field reads whole records.
//! The integration test `brief::every_brief_field_answers_as_a_full_read`
//! asks every field named here both ways.

use async_graphql::SelectionField;

use crate::store::rows::Width;

/// Invoice fields a brief invoice answers; `customer` and `sale` as far as
/// their own selections do.
pub const INVOICE: &[&str] = &[
    "__typename",
    "id",
    "invoiceNumber",
    "customerName",
    "invoiceDate",
    "dueDate",
    "type",
    "total",
    "balance",
    "customer",
    "sale",
];

/// Customer fields a brief customer answers (an address as a whole).
pub const CUSTOMER: &[&str] = &[
    "__typename",
    "id",
    "customerNumber",
    "name",
    "email",
    "address",
];

/// Sale fields a brief sale answers.
pub const SALE: &[&str] = &["__typename", "id", "status", "payout"];

/// The width to read invoices at for the selections `invoices` (each the
/// selection of one invoice, as fragments and repeats spread it); a brief
/// read counts in the metric `brief_invoice_reads_total`.
pub fn width<'a>(
    ctx: &async_graphql::Context<'_>,
    invoices: impl IntoIterator<Item = SelectionField<'a>>,
) -> Width {
    narrow(ctx, invoices, Width::Brief)
}

/// [`width`] for a send-view page, whose rules read more of each invoice
/// and customer than a brief record holds: [`Width::Assess`] where a list
/// page reads [`Width::Brief`].
pub fn assess_width<'a>(
    ctx: &async_graphql::Context<'_>,
    invoices: impl IntoIterator<Item = SelectionField<'a>>,
) -> Width {
    narrow(ctx, invoices, Width::Assess)
}

/// `narrow` when every selection in `invoices` asks only brief fields,
/// counted in `brief_invoice_reads_total`; else [`Width::Full`].
fn narrow<'a>(
    ctx: &async_graphql::Context<'_>,
    invoices: impl IntoIterator<Item = SelectionField<'a>>,
    narrow: Width,
) -> Width {
    let within = |f: SelectionField<'a>, names: &[&str]| {
        f.selection_set().all(|c| names.contains(&c.name()))
    };
    let brief = invoices.into_iter().all(|invoice| {
        invoice.selection_set().all(|f| match f.name() {
            "customer" => within(f, CUSTOMER),
            "sale" => within(f, SALE),
            name => INVOICE.contains(&name),
        })
    });
    if brief {
        crate::graphql::state(ctx).metrics.brief_invoice_reads.inc();
        narrow
    } else {
        Width::Full
    }
}
