//! invoice-finance: a GraphQL server for invoice sale (Fakturaförsäljning) and
//! Nox Finans invoice services.
//!
//! Layers: [`domain`] (pure rules) ← [`store`] (tenant-scoped data access) ←
//! [`services`] (use cases in transactions) ← [`graphql`] / [`http`].

pub mod app;
pub mod bounded;
pub mod client_error;
pub mod clock;
pub mod config;
pub mod db;
pub mod documents;
pub mod domain;
pub mod error;
pub mod events;
pub mod fanout;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod persisted;
pub mod ratelimit;
pub mod seed;
pub mod seed_bulk;
pub mod serve;
pub mod services;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod worker;
