//! Records read by their ids: the tenant's own, or any company's for an
//! operator. The id's type names its table and record ([`Key`]), so
//! `by_id::get(db, tenant, invoice_id)` reads an `Invoice` and
//! `by_id::get(db, tenant, sale_id)` a `Sale`, with the same statement shape:
//!
//! ```sql
//! SELECT <every column> FROM "invoice" WHERE "company_id" = $1 AND "id" = $2
//! ```
//!
//! A tenant's read always carries its company, so another company's id reads
//! as absent.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use super::{Operator, Scope, Tenant};
use crate::domain::id::CompanyId;
use crate::error::{AppError, AppResult};

/// An id that names one row of a company's table, and the record it reads as.
pub trait Key: Copy + Into<sea_orm::Value> + Send + Sync + 'static {
    /// The table.
    type Table: EntityTrait;
    /// The record a row reads as; reading fails, if at all, with an
    /// [`AppError`] (a stored value this version does not know).
    type Record: TryFrom<<Self::Table as EntityTrait>::Model, Error: Into<AppError>> + Send;
    /// The id column.
    const ID: <Self::Table as EntityTrait>::Column;
    /// The column naming the company the row belongs to (a company's own id
    /// for the company table).
    const COMPANY: <Self::Table as EntityTrait>::Column;
    /// The company a record belongs to.
    fn company(record: &Self::Record) -> CompanyId;
}

fn one<K: Key>(row: Option<<K::Table as EntityTrait>::Model>) -> AppResult<Option<K::Record>> {
    row.map(K::Record::try_from).transpose().map_err(Into::into)
}

fn all<K: Key>(rows: Vec<<K::Table as EntityTrait>::Model>) -> AppResult<Vec<K::Record>> {
    rows.into_iter()
        .map(|m| K::Record::try_from(m).map_err(Into::into))
        .collect()
}

fn of<K: Key>(tenant: Tenant) -> Select<K::Table> {
    K::Table::find().filter(K::COMPANY.eq(tenant.company_id()))
}

/// The tenant's record `id`; absent when missing or another company's.
pub async fn get<K: Key, C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: K,
) -> AppResult<Option<K::Record>> {
    one::<K>(of::<K>(tenant).filter(K::ID.eq(id)).one(db).await?)
}

/// The tenant's records with these ids (missing or foreign ids are absent).
pub async fn get_many<K: Key, C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: impl IntoIterator<Item = K>,
) -> AppResult<Vec<K::Record>> {
    all::<K>(of::<K>(tenant).filter(K::ID.is_in(ids)).all(db).await?)
}

/// The record `id` of any company, for an operator or the worker.
pub async fn get_any<K: Key, C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    id: K,
) -> AppResult<Option<K::Record>> {
    one::<K>(K::Table::find().filter(K::ID.eq(id)).one(db).await?)
}

/// Records of any company with these ids (operator views).
pub async fn get_many_any<K: Key, C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    ids: impl IntoIterator<Item = K>,
) -> AppResult<Vec<K::Record>> {
    all::<K>(K::Table::find().filter(K::ID.is_in(ids)).all(db).await?)
}

/// The record `id` if `scope` may read it: the tenant's own, or any
/// company's for an operator.
pub async fn get_in<K: Key, C: ConnectionTrait>(
    db: &C,
    scope: Scope,
    id: K,
) -> AppResult<Option<K::Record>> {
    Ok(get_many_in(db, scope, [id]).await?.pop())
}

/// The records with these ids that `scope` may read.
pub async fn get_many_in<K: Key, C: ConnectionTrait>(
    db: &C,
    scope: Scope,
    ids: impl IntoIterator<Item = K>,
) -> AppResult<Vec<K::Record>> {
    match scope {
        Scope::Company(t) => get_many(db, t, ids).await,
        Scope::Operator(op) => get_many_any(db, op, ids).await,
    }
}

/// Any company's record `id` with the tenant it belongs to, for an operator
/// or a job acting on it: the tenant comes from the row itself.
pub async fn get_owned<K: Key, C: ConnectionTrait>(
    db: &C,
    op: Operator,
    id: K,
) -> AppResult<Option<(Tenant, K::Record)>> {
    Ok(get_any(db, op, id)
        .await?
        .map(|r| (Tenant(K::company(&r)), r)))
}

/// Implements [`Key`] for an id type: `key!(InvoiceId => Invoice, table
/// invoice, company CompanyId = company_id)` names the record, the entity
/// module, and the company's column and the record's field that holds it.
macro_rules! key {
    ($id:ty => $record:ty, table $table:ident, company $column:ident = $field:ident) => {
        impl $crate::store::by_id::Key for $id {
            type Table = entity::$table::Entity;
            type Record = $record;
            const ID: entity::$table::Column = entity::$table::Column::Id;
            const COMPANY: entity::$table::Column = entity::$table::Column::$column;
            fn company(record: &$record) -> $crate::domain::id::CompanyId {
                record.$field
            }
        }
    };
}

pub(crate) use key;
