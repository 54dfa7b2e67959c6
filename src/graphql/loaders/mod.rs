//! Batched loads, scoped by the request's caller: the rows of a page of
//! invoices, the invoices, customers and sales of objects that point to them
//! (a sale's invoice, a statement entry's), and the rows of a page of
//! vouchers, in one query each. A page of invoices joins its customers and
//! sales itself and keeps them on each invoice (`types::invoice::Joined`), as
//! a page of the send view keeps its customers.
//! A company user's loaders see only its company; an operator's see every company.
//! Each loader's struct is declared, with who may use it, by `scoped_loader!`
//! at the end of the file.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

use crate::domain::id::{CustomerId, InvoiceId, VoucherId};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Tenant, by_id, invoices, ledger, sales};

pub use crate::store::Scope;

/// A loader failure, shared between the waiting resolvers.
#[derive(Clone, Debug)]
pub struct LoadError(pub Arc<AppError>);

fn wrap(e: AppError) -> LoadError {
    LoadError(Arc::new(e))
}

/// `rows` filed under their keys, each key's in the order read.
fn grouped<K: std::hash::Hash + Eq, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    let mut by_key: HashMap<K, Vec<V>> = HashMap::new();
    for r in rows {
        by_key.entry(key(&r)).or_default().push(r);
    }
    by_key
}

impl Loader<CustomerId> for CustomerLoader {
    type Value = Arc<crate::store::customers::Customer>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CustomerId],
    ) -> Result<HashMap<CustomerId, Self::Value>, Self::Error> {
        let ids = keys.iter().copied();
        let rows = by_id::get_many_in(&self.state.db, self.scope, ids)
            .await
            .map_err(wrap)?;
        Ok(rows.into_iter().map(|c| (c.id, Arc::new(c))).collect())
    }
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
        Ok(grouped(rows, |r| r.invoice_id))
    }
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
        Ok(grouped(rows, |p| p.invoice_id))
    }
}

impl Loader<InvoiceId> for InvoiceLoader {
    type Value = crate::store::invoices::Invoice;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, Self::Value>, Self::Error> {
        let ids = keys.iter().copied();
        let rows = by_id::get_many_in(&self.state.db, self.scope, ids)
            .await
            .map_err(wrap)?;
        Ok(rows.into_iter().map(|i| (i.id, i)).collect())
    }
}

impl Loader<VoucherId> for VoucherRowsLoader {
    type Value = Vec<crate::store::ledger::VoucherLine>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[VoucherId],
    ) -> Result<HashMap<VoucherId, Self::Value>, Self::Error> {
        let rows = ledger::voucher_rows(&self.state.db, self.tenant, keys.to_vec())
            .await
            .map_err(wrap)?;
        Ok(grouped(rows, |r| r.voucher_id))
    }
}

/// A batch that failed is an error of every field that waited for it:
/// `UNAVAILABLE` when the database was out of reach, otherwise `INTERNAL`;
/// the log keeps the error's cause.
impl From<LoadError> for crate::client_error::GqlError {
    fn from(e: LoadError) -> Self {
        let e = e.0.as_ref();
        if e.is_unavailable() {
            crate::client_error::unavailable(e)
        } else {
            crate::client_error::internal(e)
        }
    }
}

/// The history of one subject: a sale or a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HistoryOf(pub crate::domain::event::About);

impl Loader<HistoryOf> for HistoryLoader {
    type Value = Arc<Vec<crate::store::outbox::Event>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[HistoryOf],
    ) -> Result<HashMap<HistoryOf, Self::Value>, Self::Error> {
        let subjects: Vec<_> = keys.iter().map(|k| k.0).collect();
        let found = crate::store::outbox::histories(&self.state.db, self.scope, &subjects)
            .await
            .map_err(wrap)?;
        Ok(found
            .into_iter()
            .map(|(about, e)| (HistoryOf(about), Arc::new(e)))
            .collect())
    }
}

/// The first page of a customer's invoices, newest first: the customer, the
/// page size, and what each invoice reads along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FirstInvoices {
    /// The customer.
    pub customer: CustomerId,
    /// The page size.
    pub size: u64,
    /// What each invoice reads along.
    pub along: invoices::Along,
}

impl Loader<FirstInvoices> for CustomerInvoicesLoader {
    type Value = crate::store::page::Page<invoices::Listed>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[FirstInvoices],
    ) -> Result<HashMap<FirstInvoices, Self::Value>, Self::Error> {
        let today = self.state.clock.today();
        let mut out = HashMap::new();
        for ((size, along), wanted) in grouped(keys.to_vec(), |k| (k.size, k.along)) {
            let customers: Vec<CustomerId> = wanted.iter().map(|k| k.customer).collect();
            let pages =
                invoices::first_pages(&self.state.db, self.tenant, &customers, today, size, along)
                    .await
                    .map_err(wrap)?;
            out.extend(pages.into_iter().map(|(customer, page)| {
                let key = FirstInvoices {
                    customer,
                    size,
                    along,
                };
                (key, page)
            }));
        }
        Ok(out)
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
    slots: Slots,
}

/// Where each loader is kept once built.
#[derive(Default)]
struct Slots {
    customer: OnceLock<Load<CustomerLoader>>,
    invoice_rows: OnceLock<Load<InvoiceRowsLoader>>,
    invoice: OnceLock<Load<InvoiceLoader>>,
    nox_case: OnceLock<Load<NoxCaseByInvoiceLoader>>,
    payments: OnceLock<Load<PaymentsLoader>>,
    sale: OnceLock<Load<SaleByInvoiceLoader>>,
    voucher_rows: OnceLock<Load<VoucherRowsLoader>>,
    history: OnceLock<Load<HistoryLoader>>,
    customer_invoices: OnceLock<Load<CustomerInvoicesLoader>>,
}

impl Loaders {
    /// Loaders for `scope`; with `cache` they keep what they read until the
    /// request ends.
    pub fn new(state: AppState, scope: Scope, cache: bool) -> Self {
        Self {
            state,
            scope,
            cache,
            slots: Slots::default(),
        }
    }

    /// The loader of `T`; `None` when the scope may not use it (company-only
    /// loaders for an operator).
    pub fn get<T: ScopedLoader>(&self) -> Option<&Load<T>> {
        let slot = T::slot(self);
        if let Some(l) = slot.get() {
            return Some(l);
        }
        let loader = T::make(self.state.clone(), self.scope)?;
        // No batching window: the resolvers of a list's items ask within one
        // poll of the response, before the spawned fetch first runs, so they
        // still share one batch. The library's default of 1 ms (on a timer
        // thread of its own) added that wait to every nested level.
        let l = DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
            .delay(std::time::Duration::ZERO);
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

/// Declares a loader (its struct, who may use it, where [`Loaders`] keeps
/// it): `any` for every caller, read in the caller's [`Scope`]; `company` for
/// company users only, read as their [`Tenant`].
macro_rules! scoped_loader {
    ($(#[$m:meta])* $t:ident, $key:ty, $slot:ident, any) => {
        $(#[$m])*
        pub struct $t {
            state: AppState,
            scope: Scope,
        }

        impl ScopedLoader for $t {
            type Key = $key;
            fn make(state: AppState, scope: Scope) -> Option<Self> {
                Some(Self { state, scope })
            }
            fn slot(l: &Loaders) -> &OnceLock<Load<Self>> {
                &l.slots.$slot
            }
        }
    };
    ($(#[$m:meta])* $t:ident, $key:ty, $slot:ident, company) => {
        $(#[$m])*
        pub struct $t {
            state: AppState,
            tenant: Tenant,
        }

        impl ScopedLoader for $t {
            type Key = $key;
            fn make(state: AppState, scope: Scope) -> Option<Self> {
                company(scope).map(|tenant| Self { state, tenant })
            }
            fn slot(l: &Loaders) -> &OnceLock<Load<Self>> {
                &l.slots.$slot
            }
        }
    };
}

scoped_loader!(
    /// Loads customers by id.
    CustomerLoader, CustomerId, customer, any
);
scoped_loader!(
    /// Loads the rows of invoices by invoice id.
    InvoiceRowsLoader, InvoiceId, invoice_rows, any
);
scoped_loader!(
    /// Loads invoices by id: the invoice of each statement entry, notification,
    /// sale or case in a list, in one query.
    InvoiceLoader, InvoiceId, invoice, any
);
scoped_loader!(
    /// Loads the Nox Finans case of invoices by invoice id (company users).
    NoxCaseByInvoiceLoader, InvoiceId, nox_case, company
);
scoped_loader!(
    /// Loads the payments of invoices by invoice id (company users): the interest
    /// of a page of Nox Finans cases in one query.
    PaymentsLoader, InvoiceId, payments, company
);
scoped_loader!(
    /// Loads the latest sale of invoices by invoice id (company users); `None` for
    /// an invoice never offered.
    SaleByInvoiceLoader, InvoiceId, sale, company
);
scoped_loader!(
    /// Loads the event histories of sales or cases by topic and subject id:
    /// a page of sales with their histories in one query.
    HistoryLoader, HistoryOf, history, any
);
scoped_loader!(
    /// Loads the rows of vouchers by voucher id (company users).
    VoucherRowsLoader, VoucherId, voucher_rows, company
);
scoped_loader!(
    /// Loads the first page of invoices of customers (company users): a page
    /// of customers with their invoices in one query.
    CustomerInvoicesLoader, FirstInvoices, customer_invoices, company
);

#[cfg(test)]
mod tests;
