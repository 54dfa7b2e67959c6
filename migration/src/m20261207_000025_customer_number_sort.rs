//! Customers by customer number (`customers(orderBy: { field:
//! CUSTOMER_NUMBER })`). A customer number is text (letters, digits, `-`,
//! `_` and `.`), and as text "10" sorts before "9". `customer.number_sort`
//! holds a key whose bytes order numbers by their value
//! ([`entity::text::number_sort_key`]; `COLLATE "C"` on PostgreSQL), written
//! by the store with the number; `up` fills it for the customers there are
//! with migration 21's `add_derived`, as migration 24 filled the name's key.
//! The index serves a page of one company's customers by number in either
//! direction.

use sea_orm_migration::prelude::*;

use crate::m20261207_000021_name_search_and_sort::{Derived, add_derived};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NUMBER_SORT: Derived = Derived {
    table: "customer",
    from: "customer_number",
    column: "number_sort",
    ty: "TEXT NOT NULL DEFAULT ''",
    bytewise: true,
    none: Some(""),
    of: entity::text::number_sort_key,
};

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_derived(m, &NUMBER_SORT).await?;
        crate::run_all(
            m,
            &["CREATE INDEX ix_customer_number_sort ON customer (company_id, number_sort, id)"],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &[
                "DROP INDEX ix_customer_number_sort",
                "ALTER TABLE customer DROP COLUMN number_sort",
            ],
        )
        .await
    }
}
