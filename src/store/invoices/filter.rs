//! Which invoices a list shows, as one SQL condition.

use crate::domain::id::CustomerId;
use chrono::NaiveDate;
use entity::invoice;
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};

use crate::domain::invoice::InvoiceState;
use crate::store::Tenant;
use crate::store::raw::flag;

/// Which invoices a list shows.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    /// Any of these states (empty: all).
    pub states: Vec<InvoiceState>,
    /// Only this customer's.
    pub customer_id: Option<CustomerId>,
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

/// [`credited_whole`](crate::domain::invoice::credited_whole) in SQL, its
/// columns named with their table.
fn credited_whole() -> Condition {
    use invoice::Column as C;
    Condition::all().add(C::CreditedOre.gt(0)).add(
        Expr::col((invoice::Entity, C::CreditedOre)).gte(Expr::col((invoice::Entity, C::TotalOre))),
    )
}

fn state_condition(state: InvoiceState, today: NaiveDate) -> Condition {
    use invoice::Column as C;
    let open = || {
        Condition::all()
            .add(flag(C::Cancelled, false))
            .add(flag(C::NotCompleted, false))
    };
    // Not sold, and nothing left to pay: paid or credited.
    let settled = || open().add(flag(C::Sold, false)).add(C::BalanceOre.lte(0));
    match state {
        InvoiceState::Cancelled => Condition::all().add(flag(C::Cancelled, true)),
        InvoiceState::NotCompleted => Condition::all()
            .add(flag(C::Cancelled, false))
            .add(flag(C::NotCompleted, true)),
        InvoiceState::Sold => open().add(flag(C::Sold, true)),
        InvoiceState::Paid => settled().add(credited_whole().not()),
        InvoiceState::Credited => settled().add(credited_whole()),
        InvoiceState::Overdue => open()
            .add(flag(C::Sold, false))
            .add(C::BalanceOre.gt(0))
            .add(C::DueDate.lt(today)),
        InvoiceState::Unpaid => open()
            .add(flag(C::Sold, false))
            .add(C::BalanceOre.gt(0))
            .add(C::DueDate.gte(today)),
    }
}

/// `f` as one condition on the tenant's invoices. The sale statuses are SQL
/// literals ([`stored_in`](crate::store::record::stored_in)). Every column
/// is named with its table: a page reads the customer and the sale in the
/// same statement, and both have an `id`.
pub(super) fn filter_condition(tenant: Tenant, f: &InvoiceFilter, today: NaiveDate) -> Condition {
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
            .and_where(entity::invoice_sale::Column::CompanyId.eq(tenant.company_id()))
            .and_where(crate::store::record::stored_in(
                "invoice_sale.status",
                &f.sale_statuses,
            ))
            .to_owned();
        cond = cond.add(Expr::col((invoice::Entity, C::Id)).in_subquery(sold));
    }
    if let Some(handed) = f.handed_to_nox {
        let cases = Query::select()
            .column(entity::nox_case::Column::InvoiceId)
            .from(entity::nox_case::Entity)
            .and_where(entity::nox_case::Column::CompanyId.eq(tenant.company_id()))
            .to_owned();
        cond = cond.add(if handed {
            Expr::col((invoice::Entity, C::Id)).in_subquery(cases)
        } else {
            Expr::col((invoice::Entity, C::Id)).not_in_subquery(cases)
        });
    }
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond.add(search_condition(s));
    }
    cond
}

/// Invoice number, OCR or printed customer name (in its search form, the
/// column `customer_name_search`, migration 21) contains
/// `needle`, with the pattern written into the SQL as a string literal: on
/// PostgreSQL each search is then planned for its own pattern, so a rare
/// text is looked up in the trigram indexes of migration 16 and a short or
/// common one walks the company's invoices newest first until the page is
/// full. One plan for every pattern (a bound value) would take the indexes
/// for both, and read every company's matches of "7" (94 ms at 200,000
/// invoices, against 0.4 ms planned for "7").
///
/// The literal is safe as written ([`text_literal`](crate::store::record::text_literal)),
/// and the LIKE escape character is `!`. A NUL never gets
/// here: requests holding one are refused (`documents::refuse_nul`).
fn search_condition(needle: &str) -> Condition {
    use crate::store::record::{contains_pattern, text_literal};
    let pattern = text_literal(&contains_pattern(needle, '!'));
    let like = |col: &str| format!("{col} LIKE {pattern} ESCAPE '!'");
    Condition::any()
        .add(Expr::cust(like(r#""invoice"."invoice_number""#)))
        .add(Expr::cust(like(r#""invoice"."ocr""#)))
        .add(Expr::cust(like(r#""invoice"."customer_name_search""#)))
}
