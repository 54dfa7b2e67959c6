//! Batched loads, scoped by the request's caller: the customers, rows and sales
//! of a page of invoices, and the rows of a page of vouchers, in one query each.
//! A company user's loaders see only its company; an operator's see every company.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{customer, invoice_row, invoice_sale, voucher_row};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Operator, Tenant, customers, invoices, ledger, sales};

/// Whose data a loader may read.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// One company's.
    Company(Tenant),
    /// Every company's (the financier's operator).
    Operator(Operator),
}

/// A loader failure, shared between the waiting resolvers.
#[derive(Clone, Debug)]
pub struct LoadError(pub Arc<AppError>);

fn wrap(e: AppError) -> LoadError {
    LoadError(Arc::new(e))
}

/// Loads customers by id.
pub struct CustomerLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub scope: Scope,
}

impl Loader<i64> for CustomerLoader {
    type Value = customer::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let ids = keys.iter().copied();
        let rows = match self.scope {
            Scope::Company(t) => customers::get_many(&self.state.db, t, ids).await,
            Scope::Operator(op) => customers::get_many_any(&self.state.db, op, ids).await,
        }
        .map_err(wrap)?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// Loads the rows of invoices by invoice id.
pub struct InvoiceRowsLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub scope: Scope,
}

impl Loader<i64> for InvoiceRowsLoader {
    type Value = Vec<invoice_row::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = match self.scope {
            Scope::Company(t) => invoices::rows_of(&self.state.db, t, keys.to_vec()).await,
            Scope::Operator(op) => invoices::rows_of_any(&self.state.db, op, keys.to_vec()).await,
        }
        .map_err(wrap)?;
        let mut by_invoice: HashMap<i64, Self::Value> = HashMap::new();
        for r in rows {
            by_invoice.entry(r.invoice_id).or_default().push(r);
        }
        Ok(by_invoice)
    }
}

/// Loads the latest sale of invoices by invoice id (company users).
pub struct SaleByInvoiceLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub tenant: Tenant,
}

impl Loader<i64> for SaleByInvoiceLoader {
    type Value = invoice_sale::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = sales::latest_by_invoice(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(wrap)?;
        Ok(rows.into_iter().map(|s| (s.invoice_id, s)).collect())
    }
}

/// Loads the Nox Finans case of invoices by invoice id (company users).
pub struct NoxCaseByInvoiceLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub tenant: Tenant,
}

impl Loader<i64> for NoxCaseByInvoiceLoader {
    type Value = entity::nox_case::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = crate::store::nox::cases_of(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(wrap)?;
        Ok(rows.into_iter().map(|c| (c.invoice_id, c)).collect())
    }
}

/// Loads the payments of invoices by invoice id (company users): the interest
/// of a page of Nox Finans cases in one query.
pub struct PaymentsLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub tenant: Tenant,
}

impl Loader<i64> for PaymentsLoader {
    type Value = Vec<entity::payment::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = invoices::payments_of_many(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(wrap)?;
        let mut by_invoice: HashMap<i64, Self::Value> = HashMap::new();
        for p in rows {
            by_invoice.entry(p.invoice_id).or_default().push(p);
        }
        Ok(by_invoice)
    }
}

/// Loads invoices by id (company users): the invoice of each statement entry,
/// notification or case in a list, in one query.
pub struct InvoiceLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub tenant: Tenant,
}

impl Loader<i64> for InvoiceLoader {
    type Value = entity::invoice::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = invoices::get_many(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(wrap)?;
        Ok(rows.into_iter().map(|i| (i.id, i)).collect())
    }
}

/// Loads the rows of vouchers by voucher id (company users).
pub struct VoucherRowsLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub tenant: Tenant,
}

impl Loader<i64> for VoucherRowsLoader {
    type Value = Vec<voucher_row::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = ledger::voucher_rows(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(wrap)?;
        let mut by_voucher: HashMap<i64, Self::Value> = HashMap::new();
        for r in rows {
            by_voucher.entry(r.voucher_id).or_default().push(r);
        }
        Ok(by_voucher)
    }
}

impl From<LoadError> for crate::graphql::error::GqlError {
    fn from(e: LoadError) -> Self {
        let inner = match e.0.as_ref() {
            AppError::Internal(m) => AppError::Internal(m.clone()),
            other => AppError::Internal(other.to_string()),
        };
        inner.into()
    }
}
