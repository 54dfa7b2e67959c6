//! Data access. **Every function that reads or writes company data takes a
//! [`Tenant`]** and scopes its SQL by it, so a resolver cannot forget: another
//! company's row is invisible here, exactly as if it did not exist.
//!
//! A [`Tenant`] can only be obtained from an authenticated [`Actor`].
//!
//! Code outside this module never sees a table's row type: the store hands
//! out records (declared with `record!`, in [`mod@record`], when they are a row's columns as
//! they are) and domain types, and takes typed changes.

#[macro_use]
mod record;

pub mod audit;
pub mod bulk;
pub mod by_id;
pub mod companies;
pub mod customers;
pub mod invoices;
pub mod jobs;
pub mod ledger;
pub mod notifications;
pub mod nox;
mod ordered;
pub mod outbox;
pub mod page;
pub mod raw;
pub mod rows;
pub mod sales;
pub mod secrets;
pub mod tokens;

mod identity;

pub use identity::{Actor, Operator, Role, Scope, Tenant};
pub use outbox::{Ordered, begin_ordered};
