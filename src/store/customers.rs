//! Customers of the tenant.

use crate::domain::address::Address;
use crate::domain::id::{CompanyId, CustomerId};
use chrono::{DateTime, Utc};
use entity::customer;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Select, Set,
};

use super::Tenant;
use super::page::{Listing, SortBy};
use crate::error::{AppError, AppResult, OrNotFound};

/// The editable fields of a customer, validated and normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFields {
    /// Name.
    pub name: Option<String>,
    /// Normalised organisation number or personnummer.
    pub organisation_number: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Address,
}

record!(
    /// A customer of a company, as the rest of the server sees it.
    Customer from customer::Model {
        /// Its id.
        id: CustomerId,
        /// The company whose customer it is.
        company_id: CompanyId,
        /// The company's number for it.
        customer_number: String,
        /// Name.
        name: Option<String>,
        /// Organisationsnummer or personnummer.
        organisation_number: Option<String>,
        /// E-mail.
        email: Option<String>,
        /// Phone.
        phone: Option<String>,
        /// Street.
        street: Option<String>,
        /// Postal code.
        postal_code: Option<String>,
        /// City.
        city: Option<String>,
        /// ISO country code.
        country: String,
        /// Created.
        created_at: DateTime<Utc>,
        /// Last changed.
        updated_at: DateTime<Utc>,
    }
);

impl Customer {
    /// Its postal address.
    pub fn address(&self) -> Address {
        Address::of_columns(&self.street, &self.postal_code, &self.city, &self.country)
    }
}

impl CustomerFields {
    /// The fields of a stored customer.
    pub fn of(m: &Customer) -> Self {
        Self {
            name: m.name.clone(),
            organisation_number: m.organisation_number.clone(),
            email: m.email.clone(),
            phone: m.phone.clone(),
            address: m.address(),
        }
    }
}

fn scoped(tenant: Tenant) -> Select<customer::Entity> {
    customer::Entity::find().filter(customer::Column::CompanyId.eq(tenant.company_id()))
}

/// A LIKE pattern matching `needle` anywhere, with its wildcards escaped, lower-cased.
fn contains(needle: &str) -> LikeExpr {
    LikeExpr::new(crate::store::record::contains_pattern(needle, '\\')).escape('\\')
}

fn search_condition(search: Option<&str>) -> Condition {
    match search.map(str::trim).filter(|s| !s.is_empty()) {
        None => Condition::all(),
        Some(s) => {
            let lower = |c| Expr::expr(Func::lower(Expr::col((customer::Entity, c))));
            Condition::any()
                .add(Expr::col((customer::Entity, customer::Column::NameSearch)).like(contains(s)))
                .add(lower(customer::Column::CustomerNumber).like(contains(s)))
                .add(
                    Expr::col((customer::Entity, customer::Column::OrganisationNumber))
                        .like(contains(s)),
                )
                .add_option(identity_digits_match(s))
        }
    }
}

/// The organisation number's digits contain the search's, when the search
/// can be an identity number ([`identity_search_digits`]): "5593456782" and
/// "1212121212" find 559345-6782 and 19121212-1212.
///
/// [`identity_search_digits`]: crate::domain::identifiers::identity_search_digits
fn identity_digits_match(search: &str) -> Option<Expr> {
    crate::domain::identifiers::identity_search_digits(search).map(|digits| {
        Expr::cust(r#"REPLACE("customer"."organisation_number", '-', '')"#).like(contains(&digits))
    })
}

crate::store::by_id::key!(CustomerId => Customer, table customer, company CompanyId = company_id);

/// What the customer list is sorted by; equal keys keep creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerSort {
    /// Creation order.
    #[default]
    Created,
    /// The name in Swedish alphabetical order (its key, migration 24); no
    /// name first.
    Name,
    /// The customer number, its digits compared as numbers (its key,
    /// migration 24).
    Number,
}

/// The tenant's customers in `sort` order (reversed when `descending`),
/// optionally searched by name, customer number or organisation number.
pub fn listing(
    tenant: Tenant,
    search: Option<&str>,
    sort: CustomerSort,
    descending: bool,
) -> Listing<Customer> {
    let select = scoped(tenant).filter(search_condition(search));
    let value = match sort {
        CustomerSort::Created => {
            return Listing::keyset(select, customer::Column::Id, descending);
        }
        CustomerSort::Name => customer::Column::NameSort,
        CustomerSort::Number => customer::Column::NumberSort,
    };
    let sort = SortBy {
        value,
        pivot: scoped(tenant),
    };
    Listing::sorted(select, customer::Column::Id, sort, descending)
}

/// The first of the numbers `from`, `from + 1`, … `from + count - 1` that no
/// customer of the tenant has, if any is free.
pub async fn first_free_number<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    from: i64,
    count: i64,
) -> AppResult<Option<i64>> {
    let candidates: Vec<String> = (from..from + count).map(|n| n.to_string()).collect();
    let taken: std::collections::HashSet<String> = scoped(tenant)
        .select_only()
        .column(customer::Column::CustomerNumber)
        .filter(customer::Column::CustomerNumber.is_in(candidates))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok((from..from + count).find(|n| !taken.contains(&n.to_string())))
}

/// Inserts a customer for the tenant.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    customer_number: String,
    f: CustomerFields,
    now: DateTime<Utc>,
) -> AppResult<Customer> {
    let mut row = written(customer_number, f, now);
    row.company_id = Set(tenant.company_id().get());
    row.created_at = Set(now);
    let row = row
        .insert(db)
        .await
        .map_err(|e| AppError::from(e).duplicate_as(NUMBER_TAKEN))?;
    Ok(row.into())
}

/// What a client is told when the company has a customer of that number.
const NUMBER_TAKEN: &str = "a customer with this customer number already exists";

/// The columns a create or an update writes.
fn written(
    customer_number: String,
    f: CustomerFields,
    now: DateTime<Utc>,
) -> customer::ActiveModel {
    customer::ActiveModel {
        number_sort: Set(entity::text::number_sort_key(&customer_number)),
        customer_number: Set(customer_number),
        name_search: Set(f.name.as_deref().map(entity::text::search_form)),
        name_sort: Set(entity::text::sort_key(
            f.name.as_deref().unwrap_or_default(),
        )),
        name: Set(f.name),
        organisation_number: Set(f.organisation_number),
        email: Set(f.email),
        phone: Set(f.phone),
        street: Set(f.address.street),
        postal_code: Set(f.address.postal_code),
        city: Set(f.address.city),
        country: Set(f.address.country),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Writes new field values and customer number to the tenant's customer `id`.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: CustomerId,
    customer_number: String,
    f: CustomerFields,
    now: DateTime<Utc>,
) -> AppResult<Customer> {
    let changes = written(customer_number, f, now);
    let updated = customer::Entity::update_many()
        .set(changes)
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::CompanyId.eq(tenant.company_id()))
        .exec(db)
        .await
        .map_err(|e| AppError::from(e).duplicate_as(NUMBER_TAKEN))?;
    if updated.rows_affected == 0 {
        return Err(AppError::not_found("customer", "id"));
    }
    super::by_id::get(db, tenant, id)
        .await?
        .or_not_found("customer", "id")
}

crate::keyed_by_id!(customer::Model, Customer);
