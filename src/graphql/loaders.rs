//! Batched loads, scoped by the request's tenant: the customers of a page of
//! invoices, or the rows of a page of invoices, in one query each.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{customer, invoice_row};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Tenant, customers, invoices};

/// Loads customers by id.
pub struct CustomerLoader {
    /// App state.
    pub state: AppState,
    /// Whose customers.
    pub tenant: Tenant,
}

/// A loader failure, shared between the waiting resolvers.
#[derive(Clone, Debug)]
pub struct LoadError(pub Arc<AppError>);

impl Loader<i64> for CustomerLoader {
    type Value = customer::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = customers::get_many(&self.state.db, self.tenant, keys.iter().copied())
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// Loads the rows of invoices by invoice id.
pub struct InvoiceRowsLoader {
    /// App state.
    pub state: AppState,
    /// Whose invoices.
    pub tenant: Tenant,
}

impl Loader<i64> for InvoiceRowsLoader {
    type Value = Vec<invoice_row::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = invoices::rows_of(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        let mut by_invoice: HashMap<i64, Self::Value> = HashMap::new();
        for r in rows {
            by_invoice.entry(r.invoice_id).or_default().push(r);
        }
        Ok(by_invoice)
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
