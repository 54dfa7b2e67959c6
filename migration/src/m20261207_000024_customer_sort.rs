//! Customers in Swedish alphabetical order (`customers(orderBy: { field:
//! NAME })`). `customer.name_sort` holds the name's key in that order
//! ([`entity::text::sort_key`], the same key `invoice.customer_name_sort`
//! holds for the printed name; `COLLATE "C"` on PostgreSQL, so that its
//! bytes decide), written by the store with the name; `up` fills it for the
//! customers there are, as migration 21 filled the invoices' key. The index
//! serves a page of one company's customers by name in either direction.
//!
//! The column and its filling are migration 21's (`add_derived`), so that
//! the two keys are made alike.

use sea_orm_migration::prelude::*;

use crate::m20261207_000021_name_search_and_sort::{Derived, add_derived};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME_SORT: Derived = Derived {
    table: "customer",
    from: "name",
    column: "name_sort",
    ty: "TEXT NOT NULL DEFAULT ''",
    bytewise: true,
    none: Some(""),
    of: entity::text::sort_key,
};

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_derived(m, &NAME_SORT).await?;
        crate::run_all(
            m,
            &["CREATE INDEX ix_customer_name_sort ON customer (company_id, name_sort, id)"],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &[
                "DROP INDEX ix_customer_name_sort",
                "ALTER TABLE customer DROP COLUMN name_sort",
            ],
        )
        .await
    }
}
