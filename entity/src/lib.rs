//! SeaORM entities of invoice-finance, one module per table.
//!
//! Amounts are stored as integer öre (`*_ore` columns, `i64`) on every database:
//! SeaORM maps `Decimal` to a lossy REAL on SQLite, so the exact representation is
//! an integer. The one conversion point lives in the server's `domain::money`.
//! Other fractional numbers are scaled integers too, named after their unit
//! (`quantity_milli`, `vat_rate_bp`).

pub mod api_token;
pub mod audit_log;
pub mod company;
pub mod contact_request;
pub mod customer;
pub mod invoice;
pub mod invoice_hold;
pub mod invoice_row;
pub mod invoice_sale;
pub mod invoice_sale_agreement;
pub mod job;
pub mod notification;
pub mod nox_case;
pub mod nox_hidden;
pub mod nox_settings;
pub mod outbox_event;
pub mod payment;
pub mod recipient_tally;
pub mod sale_collection;
pub mod sale_tally;
pub mod server_secret;
pub mod statement_entry;
pub mod terms_of_payment;
pub mod text;
pub mod voucher;
pub mod voucher_row;
