//! Creating and updating customers.

use super::{Address, AddressPatch, Patch};
use crate::db::begin_write;
use crate::domain::id::CustomerId;
use crate::domain::identifiers::{parse_email, parse_identity_number, parse_phone};
use crate::domain::{FieldError, MAX_NAME_CHARS, bounded_text};
use crate::error::{AppError, AppResult, OrNotFound};
use crate::state::AppState;
use crate::store::Tenant;
use crate::store::companies::{self, Counter};
use crate::store::customers::{self as store, CustomerFields};

/// What a client sends to create or change a customer.
#[derive(Debug, Clone, Default)]
pub struct CustomerChanges {
    /// Customer number; generated on create when not given.
    pub customer_number: Patch<String>,
    /// Name.
    pub name: Patch<String>,
    /// Organisation number or personnummer.
    pub organisation_number: Patch<String>,
    /// E-mail.
    pub email: Patch<String>,
    /// Phone.
    pub phone: Patch<String>,
    /// Address; `Clear` removes all of it.
    pub address: Patch<AddressPatch>,
}

fn parse_customer_number(s: String) -> Result<String, FieldError> {
    let ok = (1..=20).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(s)
    } else {
        Err(FieldError::new(
            "customerNumber",
            "must be 1 to 20 letters, digits, '-', '_' or '.'",
        ))
    }
}

fn apply(
    current: CustomerFields,
    c: CustomerChanges,
    state: &AppState,
) -> Result<CustomerFields, FieldError> {
    let today = state.clock.today();
    let name = c
        .name
        .trimmed()
        .apply(current.name, |s| bounded_text("name", s, MAX_NAME_CHARS))?;
    let organisation_number = c
        .organisation_number
        .trimmed()
        .apply(current.organisation_number, |s| {
            parse_identity_number("organisationNumber", &s, today).map(|id| id.normalised)
        })?;
    let email = c
        .email
        .trimmed()
        .apply(current.email, |s| parse_email("email", &s))?;
    let phone = c
        .phone
        .trimmed()
        .apply(current.phone, |s| parse_phone("phone", &s))?;
    let address = c.address.apply_to(current.address, "address")?;
    Ok(CustomerFields {
        name,
        organisation_number,
        email,
        phone,
        address,
    })
}

/// Creates a customer of the tenant.
#[tracing::instrument(skip(state, changes), fields(company = %tenant.company_id()))]
pub async fn create(
    state: &AppState,
    tenant: Tenant,
    changes: CustomerChanges,
) -> AppResult<crate::store::customers::Customer> {
    let number = match changes.customer_number.clone().trimmed() {
        Patch::Set(n) => Some(parse_customer_number(n)?),
        _ => None,
    };
    let fields = apply(
        CustomerFields {
            address: Address::none(),
            ..CustomerFields::default()
        },
        changes,
        state,
    )?;
    let txn = begin_write(&state.db).await?;
    let number = match number {
        Some(n) => n,
        None => next_free_number(&txn, tenant).await?,
    };
    let created = store::insert(&txn, tenant, number, fields, state.clock.now()).await?;
    txn.commit().await.map_err(AppError::from)?;
    Ok(created)
}

/// The company's next customer number that no customer has: numbers a client
/// chose (customers imported with their numbers, or the demo's) are passed
/// over, a hundred at a time, and the counter moves past the one given.
async fn next_free_number<C: sea_orm::ConnectionTrait>(
    txn: &C,
    tenant: Tenant,
) -> AppResult<String> {
    const WINDOW: i64 = 100;
    let mut from = companies::next_number(txn, tenant, Counter::Customer).await?;
    loop {
        if let Some(n) = store::first_free_number(txn, tenant, from, WINDOW).await? {
            companies::skip_to(txn, tenant, Counter::Customer, n + 1).await?;
            return Ok(n.to_string());
        }
        from += WINDOW;
    }
}

/// Changes a customer of the tenant. Fields not sent are kept; `null` clears.
#[tracing::instrument(skip(state, changes), fields(company = %tenant.company_id()))]
pub async fn update(
    state: &AppState,
    tenant: Tenant,
    id: CustomerId,
    changes: CustomerChanges,
) -> AppResult<crate::store::customers::Customer> {
    let txn = begin_write(&state.db).await?;
    let current = crate::store::by_id::get(&txn, tenant, id)
        .await?
        .or_not_found("customer", "id")?;
    let number = match changes.customer_number.clone().trimmed() {
        Patch::Set(n) => parse_customer_number(n)?,
        Patch::Clear => {
            return Err(AppError::validation("customerNumber", "cannot be removed"));
        }
        Patch::Keep => current.customer_number.clone(),
    };
    let fields = apply(CustomerFields::of(&current), changes, state)?;
    let updated = store::update(&txn, tenant, id, number, fields, state.clock.now()).await?;
    txn.commit().await.map_err(AppError::from)?;
    Ok(updated)
}
