//! Companies (tenants) and their terms of payment.

use crate::domain::id::CompanyId;
use chrono::{DateTime, Utc};
use entity::{company, terms_of_payment};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, Set, Statement,
};

use super::Tenant;
use crate::domain::money::Ore;
use crate::error::{AppError, AppResult};

/// The terms of payment every new company starts with: code, days, description.
pub const DEFAULT_TERMS: &[(&str, i32, &str)] = &[
    ("0", 0, "Cash"),
    ("10", 10, "10 days net"),
    ("15", 15, "15 days net"),
    ("20", 20, "20 days net"),
    ("30", 30, "30 days net"),
    ("45", 45, "45 days net"),
];

record!(
    /// A company (a tenant), as the rest of the server sees it: its counters
    /// stay in the store.
    Company from company::Model {
        /// Its id.
        id: CompanyId,
        /// Name.
        name: String,
        /// Organisationsnummer.
        organisation_number: String,
        /// The payments account's balance, in öre.
        payments_balance_ore: Ore,
        /// Nox Finans fees charged and not yet paid (set off or invoiced), in öre.
        nox_fees_due_ore: Ore,
        /// When it was created.
        created_at: DateTime<Utc>,
    }
);

/// Creates a company with the default terms of payment.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    organisation_number: &str,
    now: DateTime<Utc>,
) -> AppResult<Company> {
    let company = company::ActiveModel {
        name: Set(name.to_string()),
        organisation_number: Set(organisation_number.to_string()),
        next_invoice_number: Set(1001),
        next_customer_number: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| {
        AppError::from(e).duplicate_as("a company with this organisation number already exists")
    })?;
    for (code, days, description) in DEFAULT_TERMS {
        terms_of_payment::ActiveModel {
            company_id: Set(company.id),
            code: Set((*code).to_string()),
            days: Set(*days),
            description: Set((*description).to_string()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(company.into())
}

/// The company a row the store returned belongs to: whoever holds the row
/// (it created the company, or found it as an operator or on the command
/// line) may act as that company. There is no other way from a company id to
/// a tenant outside the store than an authenticated actor.
pub fn tenant(c: &Company) -> Tenant {
    Tenant(c.id)
}

crate::store::by_id::key!(CompanyId => Company, table company, company Id = id);

/// The tenant's own company.
pub async fn get<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<Company> {
    company::Entity::find_by_id(tenant.company_id().get())
        .one(db)
        .await?
        .map(Company::from)
        .ok_or_else(|| AppError::Internal("the token's company is gone".into()))
}

/// A company by organisation number (operator and CLI use).
pub async fn find_by_organisation_number<C: ConnectionTrait>(
    db: &C,
    organisation_number: &str,
) -> AppResult<Option<Company>> {
    crate::store::record::one(
        db,
        company::Entity::find().filter(company::Column::OrganisationNumber.eq(organisation_number)),
    )
    .await
}

/// Whether any company exists (the database has been seeded or used).
pub async fn any<C: ConnectionTrait>(db: &C) -> AppResult<bool> {
    Ok(company::Entity::find().one(db).await?.is_some())
}

record!(
    /// One of a company's terms of payment.
    TermsOfPayment from terms_of_payment::Model {
        /// The code an invoice names.
        code: String,
        /// Days from the invoice date to the due date.
        days: i32,
        /// What it says.
        description: String,
    }
);

/// The tenant's terms of payment, in the order they were set up.
pub async fn terms<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<Vec<TermsOfPayment>> {
    Ok(terms_of_payment::Entity::find()
        .filter(terms_of_payment::Column::CompanyId.eq(tenant.company_id()))
        .order_by_asc(terms_of_payment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(TermsOfPayment::from)
        .collect())
}

/// Which counter of the company to draw from.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    /// Invoice numbers.
    Invoice,
    /// Generated customer numbers.
    Customer,
}

impl Counter {
    fn column(self) -> company::Column {
        match self {
            Self::Invoice => company::Column::NextInvoiceNumber,
            Self::Customer => company::Column::NextCustomerNumber,
        }
    }
}

/// Moves a company counter on so that it next hands out `next` (numbers
/// between were taken another way). Call it after [`next_number`] in the same
/// transaction, which then holds the company row.
pub async fn skip_to<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    counter: Counter,
    next: i64,
) -> AppResult<()> {
    company::Entity::update_many()
        .col_expr(counter.column(), sea_orm::sea_query::Expr::value(next))
        .filter(company::Column::Id.eq(tenant.company_id()))
        .filter(counter.column().lt(next))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes the next number of a company counter. Inside a write transaction the row
/// update serialises concurrent callers on both databases.
pub async fn next_number<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    counter: Counter,
) -> AppResult<i64> {
    let col = match counter {
        Counter::Invoice => "next_invoice_number",
        Counter::Customer => "next_customer_number",
    };
    let backend = db.get_database_backend();
    let placeholder = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let sql = format!(
        "UPDATE company SET {col} = {col} + 1 WHERE id = {placeholder} RETURNING {col} - 1 AS taken"
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [tenant.company_id().into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal("company row missing".into()))?;
    Ok(row.try_get::<i64>("", "taken")?)
}
