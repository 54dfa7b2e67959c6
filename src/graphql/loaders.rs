//! Batched loads, scoped by the request's caller: the customers, rows and sales
//! of a page of invoices, and the rows of a page of vouchers, in one query each.
//! A company user's loaders see only its company; an operator's see every company.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

use crate::domain::id::{CustomerId, InvoiceId};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Tenant, customers, invoices, ledger, sales};

pub use crate::store::Scope;

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

impl Loader<CustomerId> for CustomerLoader {
    type Value = Arc<crate::store::customers::Customer>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CustomerId],
    ) -> Result<HashMap<CustomerId, Self::Value>, Self::Error> {
        let ids = keys.iter().copied();
        let rows = match self.scope {
            Scope::Company(t) => customers::get_many(&self.state.db, t, ids).await,
            Scope::Operator(op) => customers::get_many_any(&self.state.db, op, ids).await,
        }
        .map_err(wrap)?;
        Ok(rows.into_iter().map(|c| (c.id, Arc::new(c))).collect())
    }
}

/// Loads the rows of invoices by invoice id.
pub struct InvoiceRowsLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub scope: Scope,
}

impl Loader<InvoiceId> for InvoiceRowsLoader {
    type Value = Vec<crate::store::invoices::InvoiceLine>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, Self::Value>, Self::Error> {
        let rows = match self.scope {
            Scope::Company(t) => invoices::rows_of(&self.state.db, t, keys.to_vec()).await,
            Scope::Operator(op) => invoices::rows_of_any(&self.state.db, op, keys.to_vec()).await,
        }
        .map_err(wrap)?;
        let mut by_invoice: HashMap<InvoiceId, Self::Value> = HashMap::new();
        for r in rows {
            by_invoice.entry(r.invoice_id).or_default().push(r);
        }
        Ok(by_invoice)
    }
}

/// Loads the latest sale of invoices by invoice id (company users); `None` for
/// an invoice never offered, so that a list can prime "no sale" too.
pub struct SaleByInvoiceLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub tenant: Tenant,
}

impl Loader<InvoiceId> for SaleByInvoiceLoader {
    type Value = Option<Arc<crate::store::sales::Sale>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, Self::Value>, Self::Error> {
        let rows = sales::latest_by_invoice(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(wrap)?;
        let mut out: HashMap<InvoiceId, Self::Value> = keys.iter().map(|k| (*k, None)).collect();
        out.extend(rows.into_iter().map(|s| (s.invoice_id, Some(Arc::new(s)))));
        Ok(out)
    }
}

/// Loads the Nox Finans case of invoices by invoice id (company users).
pub struct NoxCaseByInvoiceLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub tenant: Tenant,
}

impl Loader<InvoiceId> for NoxCaseByInvoiceLoader {
    type Value = crate::store::nox::Case;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, Self::Value>, Self::Error> {
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

impl Loader<InvoiceId> for PaymentsLoader {
    type Value = Vec<crate::store::invoices::Payment>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, Self::Value>, Self::Error> {
        let rows = invoices::payments_of_many(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(wrap)?;
        let mut by_invoice: HashMap<InvoiceId, Self::Value> = HashMap::new();
        for p in rows {
            by_invoice.entry(p.invoice_id).or_default().push(p);
        }
        Ok(by_invoice)
    }
}

/// Loads invoices by id: the invoice of each statement entry, notification,
/// sale or case in a list, in one query.
pub struct InvoiceLoader {
    /// App state.
    pub state: AppState,
    /// Whose.
    pub scope: Scope,
}

impl Loader<InvoiceId> for InvoiceLoader {
    type Value = crate::store::invoices::Invoice;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, Self::Value>, Self::Error> {
        let rows = match self.scope {
            Scope::Company(t) => invoices::get_many(&self.state.db, t, keys.to_vec()).await,
            Scope::Operator(op) => invoices::get_many_any(&self.state.db, op, keys.to_vec()).await,
        }
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
    type Value = Vec<crate::store::ledger::VoucherLine>;
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

impl From<LoadError> for crate::client_error::GqlError {
    fn from(e: LoadError) -> Self {
        let inner = match e.0.as_ref() {
            AppError::Internal(m) => AppError::Internal(m.clone()),
            other => AppError::Internal(other.to_string()),
        };
        inner.into()
    }
}

/// A request's loader of `T`.
pub type Load<T> = DataLoader<T, HashMapCache>;

/// The request's loaders, each built when a resolver first asks for it: a
/// request that reads no customers builds no customer loader.
pub struct Loaders {
    state: AppState,
    scope: Scope,
    cache: bool,
    customer: OnceLock<Load<CustomerLoader>>,
    invoice_rows: OnceLock<Load<InvoiceRowsLoader>>,
    invoice: OnceLock<Load<InvoiceLoader>>,
    nox_case: OnceLock<Load<NoxCaseByInvoiceLoader>>,
    payments: OnceLock<Load<PaymentsLoader>>,
    sale: OnceLock<Load<SaleByInvoiceLoader>>,
    voucher_rows: OnceLock<Load<VoucherRowsLoader>>,
}

impl Loaders {
    /// Loaders for `scope`; with `cache` they keep what they read (and what a
    /// list feeds them) until the request ends.
    pub fn new(state: AppState, scope: Scope, cache: bool) -> Self {
        Self {
            state,
            scope,
            cache,
            customer: OnceLock::new(),
            invoice_rows: OnceLock::new(),
            invoice: OnceLock::new(),
            nox_case: OnceLock::new(),
            payments: OnceLock::new(),
            sale: OnceLock::new(),
            voucher_rows: OnceLock::new(),
        }
    }

    /// Whether the loaders keep what they read (and what lists feed them).
    pub fn caches(&self) -> bool {
        self.cache
    }

    /// The loader of `T`; `None` when the scope may not use it (company-only
    /// loaders for an operator).
    pub fn get<T: ScopedLoader>(&self) -> Option<&Load<T>> {
        let slot = T::slot(self);
        if let Some(l) = slot.get() {
            return Some(l);
        }
        let loader = T::make(self.state.clone(), self.scope)?;
        let l = DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default());
        l.enable_all_cache(self.cache);
        // Another resolver may have set it meanwhile; either one serves.
        let _ = slot.set(l);
        slot.get()
    }
}

/// A loader the request builds on demand.
pub trait ScopedLoader: Loader<Self::Key> + Sized {
    /// What it loads by.
    type Key: Send + Sync + std::hash::Hash + Eq + Clone + 'static;
    /// The loader for `scope`, or `None` when the scope may not use it.
    fn make(state: AppState, scope: Scope) -> Option<Self>;
    /// Where [`Loaders`] keeps it.
    fn slot(l: &Loaders) -> &OnceLock<Load<Self>>;
}

fn company(scope: Scope) -> Option<Tenant> {
    match scope {
        Scope::Company(t) => Some(t),
        Scope::Operator(_) => None,
    }
}

macro_rules! scoped_loader {
    ($t:ident, $key:ty, $slot:ident, any) => {
        impl ScopedLoader for $t {
            type Key = $key;
            fn make(state: AppState, scope: Scope) -> Option<Self> {
                Some(Self { state, scope })
            }
            fn slot(l: &Loaders) -> &OnceLock<Load<Self>> {
                &l.$slot
            }
        }
    };
    ($t:ident, $key:ty, $slot:ident, company) => {
        impl ScopedLoader for $t {
            type Key = $key;
            fn make(state: AppState, scope: Scope) -> Option<Self> {
                company(scope).map(|tenant| Self { state, tenant })
            }
            fn slot(l: &Loaders) -> &OnceLock<Load<Self>> {
                &l.$slot
            }
        }
    };
}

scoped_loader!(CustomerLoader, CustomerId, customer, any);
scoped_loader!(InvoiceRowsLoader, InvoiceId, invoice_rows, any);
scoped_loader!(InvoiceLoader, InvoiceId, invoice, any);
scoped_loader!(NoxCaseByInvoiceLoader, InvoiceId, nox_case, company);
scoped_loader!(PaymentsLoader, InvoiceId, payments, company);
scoped_loader!(SaleByInvoiceLoader, InvoiceId, sale, company);
scoped_loader!(VoucherRowsLoader, i64, voucher_rows, company);
