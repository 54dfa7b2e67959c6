//! Invoice sales, agreements and contact requests.

use crate::domain::id::{CompanyId, ContactRequestId, CustomerId, InvoiceId, SaleId};
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{contact_request, invoice_sale, invoice_sale_agreement, sale_collection};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Select, Set,
};

use super::page::{Listing, Page, PageRequest, PageSource};
use super::{Operator, Ordered, Tenant, raw};
use crate::domain::money::Ore;
use crate::domain::sale::{Agreement, SaleStatus, SpotCheckOutcome};
use crate::error::AppResult;
use futures_util::future::BoxFuture;

mod changes;
pub(super) mod tally;
mod totals;

pub use changes::{NewSale, SaleChange, insert, transition};
pub use tally::retally;
pub use totals::{Basis, Exposure, History, add_collection, basis, collection_by_key};

record!(
    /// An invoice sale: what was sold, at what price, and where it stands.
    Sale try_from invoice_sale::Model {
        /// Its id.
        id: SaleId,
        /// The selling company.
        company_id: CompanyId,
        /// The invoice sold.
        invoice_id: InvoiceId,
        /// The invoice's customer, the sale's recipient.
        customer_id: CustomerId,
        /// Where it stands.
        status: SaleStatus as stored,
        /// The amount sold, in öre.
        amount_ore: Ore,
        /// The invoice fee, in öre.
        invoice_fee_ore: Ore,
        /// The factoring fee, in öre.
        factoring_fee_ore: Ore,
        /// Both fees, in öre.
        total_fees_ore: Ore,
        /// What the company is paid, in öre.
        payout_ore: Ore,
        /// The agreement's percentage at the time of sale, in basis points.
        percentage_bp: i64,
        /// The quote the company accepted.
        quote_id: String,
        /// The client's key: the same key sells once.
        idempotency_key: String,
        /// When the company sold.
        requested_at: DateTime<Utc>,
        /// When it was decided.
        decided_at: Option<DateTime<Utc>>,
        /// The payout date.
        payout_date: Option<NaiveDate>,
        /// When it was paid out.
        paid_out_at: Option<DateTime<Utc>>,
        /// The spot-check rule that selected it.
        spot_check_rule: Option<String>,
        /// How its spot check ended.
        spot_check_outcome: Option<SpotCheckOutcome> as stored,
        /// The operator's note on the spot check.
        spot_check_note: Option<String>,
        /// When the spot check got its outcome.
        spot_check_resolved_at: Option<DateTime<Utc>>,
        /// When an unanswered spot check takes its default outcome.
        spot_check_deadline: Option<DateTime<Utc>>,
        /// Why it was denied (code).
        denial_code: Option<String>,
        /// Why it was denied (sentence).
        denial_message: Option<String>,
        /// What the financier has collected on it, in öre.
        collected_ore: Ore,
    }
);

/// The domain view of a stored agreement.
fn agreement_terms(m: &invoice_sale_agreement::Model) -> Agreement {
    Agreement {
        active: m.active,
        fixed_fee_ore: Ore::new(m.fixed_fee_ore),
        percentage_bp: m.percentage_bp,
        minimum_fee_ore: Ore::new(m.minimum_fee_ore),
        customer_limit_ore: Ore::new(m.customer_limit_ore),
        total_limit_ore: Ore::new(m.total_limit_ore),
    }
}

/// The tenant's agreement, if any.
pub async fn agreement<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<Option<Agreement>> {
    Ok(invoice_sale_agreement::Entity::find()
        .filter(invoice_sale_agreement::Column::CompanyId.eq(tenant.company_id()))
        .one(db)
        .await?
        .as_ref()
        .map(agreement_terms))
}

/// Sets a company's agreement (operator).
pub async fn set_agreement<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    company_id: CompanyId,
    terms: Agreement,
    now: DateTime<Utc>,
) -> AppResult<Agreement> {
    let existing = invoice_sale_agreement::Entity::find()
        .filter(invoice_sale_agreement::Column::CompanyId.eq(company_id))
        .one(db)
        .await?;
    let exists = existing.is_some();
    let mut am: invoice_sale_agreement::ActiveModel = match existing {
        Some(m) => m.into(),
        None => invoice_sale_agreement::ActiveModel {
            company_id: Set(company_id.get()),
            ..Default::default()
        },
    };
    am.active = Set(terms.active);
    am.fixed_fee_ore = Set(terms.fixed_fee_ore.get());
    am.percentage_bp = Set(terms.percentage_bp);
    am.minimum_fee_ore = Set(terms.minimum_fee_ore.get());
    am.customer_limit_ore = Set(terms.customer_limit_ore.get());
    am.total_limit_ore = Set(terms.total_limit_ore.get());
    am.updated_at = Set(now);
    let saved = if exists {
        am.update(db).await?
    } else {
        am.insert(db).await?
    };
    Ok(agreement_terms(&saved))
}

/// Records a request to be contacted.
pub async fn request_contact<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    phone: String,
    message: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    contact_request::ActiveModel {
        company_id: Set(tenant.company_id().get()),
        phone: Set(phone),
        message: Set(message),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A company's request to be called about invoice sale, with who the company is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRequest {
    /// Its id.
    pub id: ContactRequestId,
    /// The company that asked: the one an operator activates.
    pub company_id: CompanyId,
    /// The company's name.
    pub company_name: String,
    /// The company's organisation number.
    pub organisation_number: String,
    /// Number to call.
    pub phone: String,
    /// The company's message.
    pub message: Option<String>,
    /// When it was asked.
    pub created_at: DateTime<Utc>,
    /// The company's invoice-sale agreement now, if it has one.
    pub agreement: Option<Agreement>,
}

/// Contact requests of every company, newest first (operator), each with its
/// company's name, organisation number and agreement (each read for the page
/// in one query).
pub fn contact_requests(op: Operator) -> Listing<ContactRequest> {
    Listing::of(ContactRequests {
        op,
        rows: Listing::keyset(
            contact_request::Entity::find(),
            contact_request::Column::Id,
            true,
        ),
    })
}

/// [`contact_requests`]: the requests' rows, then their companies.
struct ContactRequests {
    op: Operator,
    rows: Listing<contact_request::Model>,
}

impl PageSource<ContactRequest> for ContactRequests {
    fn page<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        req: PageRequest,
        far_side: bool,
    ) -> BoxFuture<'a, AppResult<Page<ContactRequest>>> {
        Box::pin(async move {
            let page = self.rows.page(db, req, far_side).await?;
            let ids: Vec<CompanyId> = page
                .items
                .iter()
                .map(|r| CompanyId::new(r.company_id))
                .collect();
            let companies: HashMap<CompanyId, super::companies::Company> =
                super::by_id::get_many_any(db, self.op, ids.clone())
                    .await?
                    .into_iter()
                    .map(|c| (c.id, c))
                    .collect();
            let agreements: HashMap<i64, Agreement> = invoice_sale_agreement::Entity::find()
                .filter(invoice_sale_agreement::Column::CompanyId.is_in(ids))
                .all(db)
                .await?
                .iter()
                .map(|m| (m.company_id, agreement_terms(m)))
                .collect();
            Ok(page.map(|r| {
                let company_id = CompanyId::new(r.company_id);
                let company = companies.get(&company_id);
                ContactRequest {
                    id: ContactRequestId::new(r.id),
                    company_id,
                    company_name: company.map(|c| c.name.clone()).unwrap_or_default(),
                    organisation_number: company
                        .map(|c| c.organisation_number.clone())
                        .unwrap_or_default(),
                    phone: r.phone,
                    message: r.message,
                    created_at: r.created_at,
                    agreement: agreements.get(&r.company_id).copied(),
                }
            }))
        })
    }

    fn count<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, AppResult<u64>> {
        Box::pin(self.rows.count(db))
    }
}

fn scoped(tenant: Tenant) -> Select<invoice_sale::Entity> {
    invoice_sale::Entity::find().filter(invoice_sale::Column::CompanyId.eq(tenant.company_id()))
}

crate::store::by_id::key!(SaleId => Sale, table invoice_sale, company CompanyId = company_id);

/// The tenant's sale made under an idempotency key.
pub async fn by_key<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    key: &str,
) -> AppResult<Option<Sale>> {
    crate::store::record::one(
        db,
        scoped(tenant).filter(invoice_sale::Column::IdempotencyKey.eq(key)),
    )
    .await
}

/// The latest sale of each of the tenant's invoices `ids`.
pub async fn latest_by_invoice<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<InvoiceId>,
) -> AppResult<Vec<Sale>> {
    let query = scoped(tenant)
        .filter(invoice_sale::Column::InvoiceId.is_in(ids))
        .order_by_asc(invoice_sale::Column::Id);
    crate::store::record::latest_of_each(db, query, |s| s.invoice_id).await
}

/// Whether the tenant's invoice has a sale that is not denied.
pub async fn has_live_sale<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
) -> AppResult<bool> {
    Ok(scoped(tenant)
        .filter(invoice_sale::Column::InvoiceId.eq(invoice_id))
        .filter(
            invoice_sale::Column::Status
                .is_in(crate::store::record::names(SaleStatus::holds_invoice)),
        )
        .one(db)
        .await?
        .is_some())
}

fn status_filter(
    q: Select<invoice_sale::Entity>,
    status: Option<SaleStatus>,
) -> Select<invoice_sale::Entity> {
    match status {
        Some(s) => q.filter(crate::store::record::stored_in(
            "invoice_sale.status",
            &[s.as_str()],
        )),
        None => q,
    }
}

/// The tenant's sales (in `status` when given), newest first.
pub fn listing(tenant: Tenant, status: Option<SaleStatus>) -> Listing<Sale> {
    let select = status_filter(scoped(tenant), status);
    Listing::keyset(select, invoice_sale::Column::Id, true)
}

/// Sales awaiting a spot check, of every company, oldest first (operator).
pub fn spot_check_queue(_op: Operator) -> Listing<Sale> {
    let select = status_filter(invoice_sale::Entity::find(), Some(SaleStatus::SpotCheck));
    Listing::keyset(select, invoice_sale::Column::Id, false)
}

/// Sales the financier bought and has not collected in full, of every company
/// or of `company`, oldest first (operator); with `ocr`, only the sale of the
/// invoice with that payment reference.
pub fn to_collect(_op: Operator, company: Option<CompanyId>, ocr: Option<&str>) -> Listing<Sale> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let mut select = invoice_sale::Entity::find()
        .filter(crate::store::record::stored_in(
            "invoice_sale.status",
            &crate::store::record::names(SaleStatus::is_bought),
        ))
        .filter(
            Expr::col(invoice_sale::Column::CollectedOre)
                .lt(Expr::col(invoice_sale::Column::AmountOre)),
        );
    if let Some(company) = company {
        select = select.filter(invoice_sale::Column::CompanyId.eq(company));
    }
    if let Some(ocr) = ocr {
        select = select.filter(
            invoice_sale::Column::InvoiceId.in_subquery(
                Query::select()
                    .column(entity::invoice::Column::Id)
                    .from(entity::invoice::Entity)
                    .and_where(entity::invoice::Column::Ocr.eq(ocr))
                    .to_owned(),
            ),
        );
    }
    Listing::keyset(select, invoice_sale::Column::Id, false)
}

crate::keyed_by_id!(
    invoice_sale::Model,
    contact_request::Model,
    Sale,
    ContactRequest
);
