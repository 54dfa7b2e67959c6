//! Integration tests: the real server on a random port, spoken to over HTTP,
//! on a temp SQLite file and (with `TEST_DATABASE_URL`) on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod helpers;
mod ws;

mod auth;
mod books;
mod brief;
mod cli;
mod clients;
mod credits;
mod drill;
mod fuzz;
mod house;
mod house_work;
mod jobs;
mod limits;
mod live;
mod money;
mod nox;
mod order;
mod pagination;
mod protocol;
mod races;
mod rust_client;
mod sale;
mod schema;
mod security;
mod sorting;
mod tally;
mod tenancy;
mod validation;
mod walk;
