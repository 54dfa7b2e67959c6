//! A credit's payment row names the credit note that made it.
//!
//! `payment.credit_note_id` is set on every `CREDIT_NOTE` payment. Until now a
//! retried `creditInvoice` found its credit note by the invoice and the amount,
//! so a retry of the first of two equal credits answered with the second note.
//!
//! `up` pairs the credits recorded so far with their notes: a credit and its
//! note are written in one transaction, the note first, so the n-th credit of
//! an amount on an invoice (by id) belongs to the n-th note of that amount
//! crediting it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BACKFILL: &str = "UPDATE payment SET credit_note_id = (\
     SELECT n.id FROM invoice n \
     WHERE n.company_id = payment.company_id AND n.credits_invoice_id = payment.invoice_id \
     AND n.total_ore = -payment.amount_ore \
     AND (SELECT COUNT(*) FROM invoice e WHERE e.credits_invoice_id = n.credits_invoice_id \
          AND e.total_ore = n.total_ore AND e.id < n.id) \
       = (SELECT COUNT(*) FROM payment q WHERE q.invoice_id = payment.invoice_id \
          AND q.payer = 'CREDIT_NOTE' AND q.amount_ore = payment.amount_ore AND q.id < payment.id)) \
     WHERE payer = 'CREDIT_NOTE'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &[
                "ALTER TABLE payment ADD COLUMN credit_note_id BIGINT",
                BACKFILL,
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &["ALTER TABLE payment DROP COLUMN credit_note_id"]).await
    }
}
