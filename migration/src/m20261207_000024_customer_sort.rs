//! The customer list's sort keys (`customers(orderBy:)`), each written by
//! the store with what it derives from, and each with an index that serves a
//! page of one company's customers in either direction:
//!
//! - `customer.name_sort`: the name's key in Swedish alphabetical order
//!   ([`entity::text::sort_key`], the same key `invoice.customer_name_sort`
//!   holds for the printed name), for `NAME`;
//! - `customer.number_sort`: the customer number's key with its digits
//!   compared as numbers ([`entity::text::number_sort_key`]), for
//!   `CUSTOMER_NUMBER`. A customer number is text (letters, digits, `-`,
//!   `_` and `.`), and as text "10" sorts before "9".
//!
//! Both compare byte by byte (`COLLATE "C"` on PostgreSQL). `up` fills them
//! for the customers there are with migration 21's own filling
//! (`add_derived`), so that the keys are made as the store makes them.

use sea_orm_migration::prelude::*;

use crate::m20261207_000021_name_search_and_sort::{Derived, add_derived};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A sort key of `customer` derived from `from`, as `column`, by `of`.
const fn key(from: &'static str, column: &'static str, of: fn(&str) -> String) -> Derived {
    Derived {
        table: "customer",
        from,
        column,
        ty: "TEXT NOT NULL DEFAULT ''",
        bytewise: true,
        none: Some(""),
        of,
    }
}

/// Each key with its index.
const KEYS: [(Derived, &str); 2] = [
    (
        key("name", "name_sort", entity::text::sort_key),
        "ix_customer_name_sort",
    ),
    (
        key(
            "customer_number",
            "number_sort",
            entity::text::number_sort_key,
        ),
        "ix_customer_number_sort",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (d, index) in &KEYS {
            add_derived(m, d).await?;
            let column = d.column;
            crate::run_all(
                m,
                &[&format!(
                    "CREATE INDEX {index} ON customer (company_id, {column}, id)"
                )],
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (d, index) in &KEYS {
            let column = d.column;
            crate::run_all(
                m,
                &[
                    &format!("DROP INDEX {index}"),
                    &format!("ALTER TABLE customer DROP COLUMN {column}"),
                ],
            )
            .await?;
        }
        Ok(())
    }
}
