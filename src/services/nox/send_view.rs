//! The send view: every invoice that could be handed to Nox Finans, coloured
//! by the eleven rules, filtered and paged.

use super::*;
use crate::domain::id::InvoiceId;
use crate::store::by_id;

/// One row of the send view.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    /// The invoice.
    pub invoice: Invoice,
    /// Its customer, when the row was read with it (a page of the view).
    pub customer: Option<crate::store::customers::Customer>,
    /// Its colour and reasons.
    pub assessment: Assessment,
    /// Hidden with the trash can.
    pub hidden: bool,
}

impl crate::store::page::Keyed for CandidateRow {
    fn key(&self) -> i64 {
        self.invoice.id.get()
    }
}

/// What the rules read of an invoice's customer.
#[derive(Debug, Clone, Default)]
struct Contact {
    email: Option<String>,
    phone: Option<String>,
    identity_number: Option<String>,
}

impl From<&crate::store::customers::Customer> for Contact {
    fn from(c: &crate::store::customers::Customer) -> Self {
        Self {
            email: c.email.clone(),
            phone: c.phone.clone(),
            identity_number: c.organisation_number.clone(),
        }
    }
}

fn candidate(inv: &Invoice, c: Contact, sold: bool, handed_over: bool) -> Candidate {
    Candidate {
        balance_ore: inv.balance_ore,
        house_work_deductible_ore: inv.house_work_deductible_ore.map(|d| {
            crate::domain::invoice::skatteverket_outstanding(Some(d), inv.house_work_paid_ore)
        }),
        cancelled: inv.cancelled,
        not_completed: inv.not_completed,
        invoice_type: inv.invoice_type,
        currency: inv.currency.clone(),
        terms_of_payment: inv.terms_of_payment.clone(),
        invoice_date: inv.invoice_date,
        due_date: inv.due_date,
        customer_name: inv.customer_name.clone(),
        address: inv.address(),
        email: c.email,
        phone: c.phone,
        identity_number: c.identity_number,
        sold: sold || inv.sold,
        handed_over,
    }
}

/// Assesses one invoice inside a transaction (sending, and Nox Finans'
/// acceptance). With `own_case`, the invoice's open case is the one being
/// assessed and does not count as "already handed over".
pub async fn assess_with<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    inv: &Invoice,
    service: Service,
    delivery: Delivery,
    today: NaiveDate,
    own_case: bool,
) -> AppResult<Assessment> {
    let settings = store::settings(db, tenant).await?;
    let customer = by_id::get(db, tenant, inv.customer_id).await?;
    let sold = sales::has_live_sale(db, tenant, inv.id).await?;
    let handed = !own_case && store::open_case_of(db, tenant, inv.id).await?.is_some();
    let rules = nox::Settings {
        active_terms: settings.active_terms,
    };
    let contact = customer.as_ref().map(Contact::from).unwrap_or_default();
    let c = candidate(inv, contact, sold, handed);
    Ok(nox::assess(&c, &rules, service, delivery, today))
}

/// A page of the send view: the tenant's invoices not handed over, newest
/// first, each with its colour, blockers and warnings, read at `width` (at
/// least [`Width::Assess`](crate::store::rows::Width::Assess): what the rules
/// read). The colour filter runs in SQL (`store::nox::send_view`), in the
/// statement that also reads the settings the rows are coloured by; the
/// reasons of the rows on the page come from the same rules in
/// `domain::nox::assess`.
pub async fn candidates(
    state: &AppState,
    tenant: Tenant,
    f: CandidateFilter,
    first: u64,
    after: Option<i64>,
    width: crate::store::rows::Width,
) -> AppResult<(Vec<CandidateRow>, bool)> {
    let today = state.clock.today();
    let page = store::send_view(&state.db, tenant, &f, today, first, after, width).await?;
    let Some(settings) = page.settings else {
        return Ok((Vec::new(), page.more));
    };
    let delivery = settings.delivery;
    let rules = nox::Settings {
        active_terms: settings.active_terms,
    };
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let contact = r.customer.as_ref().map(Contact::from).unwrap_or_default();
            // The view leaves out invoices with an open case.
            let c = candidate(&r.invoice, contact, r.sold, false);
            CandidateRow {
                assessment: nox::assess(&c, &rules, f.service, delivery, today),
                invoice: r.invoice,
                customer: r.customer,
                hidden: f.only_hidden,
            }
        })
        .collect();
    Ok((rows, page.more))
}

/// How many rows the send view has under `f`: a SQL count.
pub async fn candidate_count(
    state: &AppState,
    tenant: Tenant,
    f: CandidateFilter,
) -> AppResult<u64> {
    store::send_view_count(&state.db, tenant, &f, state.clock.today()).await
}

/// One row's current verdict (after hiding, or for a single invoice).
pub async fn candidate_row(
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
    service: Service,
) -> AppResult<CandidateRow> {
    let inv = invoices::require(&state.db, tenant, invoice_id, "invoiceId").await?;
    let delivery = store::settings(&state.db, tenant).await?.default_delivery;
    let today = state.clock.today();
    let a = assess_with(&state.db, tenant, &inv, service, delivery, today, false).await?;
    let hidden = store::is_hidden(&state.db, tenant, inv.id).await?;
    Ok(CandidateRow {
        invoice: inv,
        customer: None,
        assessment: a,
        hidden,
    })
}
