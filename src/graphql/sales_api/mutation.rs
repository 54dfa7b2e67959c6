//! Invoice-sale mutations: agreements, contact requests, selling, withdrawing,
//! collections, spot checks and notifications read.

use super::*;
use crate::domain::id::{CompanyId, InvoiceId, NotificationId, SaleId};

/// Fee terms and limits of an agreement.
#[derive(InputObject)]
pub struct AgreementInput {
    /// Invoice fee per sold invoice, e.g. `"19.90"`.
    pub fixed_fee: Decimal,
    /// Factoring fee in percent of the amount sold, e.g. `"2.9"` (two decimals at most).
    pub percentage_fee: Decimal,
    /// The factoring fee is at least this.
    pub minimum_fee: Decimal,
    /// Outstanding sold amount allowed per recipient.
    pub customer_credit_limit: Decimal,
    /// Outstanding sold amount allowed for the company.
    pub total_credit_limit: Decimal,
    /// Whether invoice sale is active; default true.
    pub active: Option<bool>,
}

impl AgreementInput {
    fn into_terms(self) -> Result<Agreement, AppError> {
        let pct = crate::domain::money::to_scaled(self.percentage_fee.0, 2).ok_or_else(|| {
            AppError::validation("agreement.percentageFee", "must have at most two decimals")
        })?;
        Ok(Agreement {
            active: self.active.unwrap_or(true),
            fixed_fee_ore: parse_amount("agreement.fixedFee", self.fixed_fee.0, false)?,
            percentage_bp: pct,
            minimum_fee_ore: parse_amount("agreement.minimumFee", self.minimum_fee.0, false)?,
            customer_limit_ore: parse_amount(
                "agreement.customerCreditLimit",
                self.customer_credit_limit.0,
                false,
            )?,
            total_limit_ore: parse_amount(
                "agreement.totalCreditLimit",
                self.total_credit_limit.0,
                false,
            )?,
        })
    }
}

/// Confirms a sale against a quote.
#[derive(InputObject)]
pub struct SellInvoiceInput {
    /// The invoice.
    pub invoice_id: ID,
    /// `quoteId` of the quote the user saw.
    pub quote_id: String,
    /// A key chosen by the client: the same key always returns the same sale.
    pub idempotency_key: String,
}

/// Invoice-sale mutations.
#[derive(Default)]
pub struct SaleMutation;

#[Object(serial)]
impl SaleMutation {
    /// Asks a seller to call the company about invoice sale.
    async fn request_invoice_sale_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Swedish phone number to call.")] phone: String,
        #[graphql(desc = "What the seller should know (at most 2 000 characters).")]
        message: Option<String>,
    ) -> GqlResult<bool> {
        let t = tenant(ctx)?;
        service::request_contact(state(ctx), t, &phone, message).await?;
        Ok(true)
    }

    /// Sells an invoice against a quote. Idempotent by key; `QUOTE_CHANGED` when
    /// the terms moved, `NOT_ELIGIBLE` with reasons, `CONFLICT` when already sold.
    async fn sell_invoice(
        &self,
        ctx: &Context<'_>,
        input: SellInvoiceInput,
    ) -> GqlResult<InvoiceSale> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&input.invoice_id, "invoiceId")?;
        Ok(InvoiceSale::from(
            service::sell(state(ctx), t, id, &input.quote_id, &input.idempotency_key).await?,
        ))
    }

    /// Withdraws a sale before its decision (processing or in spot check): no
    /// fees; an event and a notification follow, and the invoice can be sold
    /// again or sent to Nox Finans. `CONFLICT` once decided.
    async fn withdraw_invoice_sale(
        &self,
        ctx: &Context<'_>,
        sale_id: ID,
    ) -> GqlResult<InvoiceSale> {
        let t = tenant(ctx)?;
        let id = decode_id::<SaleId>(&sale_id, "saleId")?;
        Ok(InvoiceSale::from(
            service::withdraw(state(ctx), t, id).await?,
        ))
    }

    /// Operators: records what the financier collected from the customer of a
    /// bought invoice, in full or in part, on `collectedOn` (not in the future,
    /// nor before the day the invoice was bought). It releases credit exposure;
    /// the same `idempotencyKey` records nothing twice, and sent with another
    /// sale, amount or `collectedOn` it is refused (`CONFLICT`).
    async fn record_sale_collection(
        &self,
        ctx: &Context<'_>,
        sale_id: ID,
        amount: crate::graphql::scalars::Decimal,
        collected_on: Date,
        idempotency_key: String,
    ) -> GqlResult<InvoiceSale> {
        let op = actor(ctx)?.operator()?;
        let id = decode_id::<SaleId>(&sale_id, "saleId")?;
        Ok(InvoiceSale::from(
            service::record_collection(
                state(ctx),
                op,
                id,
                amount.0,
                collected_on.0,
                &idempotency_key,
            )
            .await?,
        ))
    }

    /// Marks notifications read; returns how many changed.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<u64> {
        let t = tenant(ctx)?;
        if ids.len() > 500 {
            return Err(AppError::validation("ids", "at most 500 at a time").into());
        }
        let ids = ids
            .iter()
            .map(|id| decode_id::<NotificationId>(id, "ids"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(notifications::mark_read(&state(ctx).db, t, ids).await?)
    }

    /// Operators: sets a company's agreement and activates invoice sale. The
    /// company is named by its id, as a contact request gives it (`companyId`).
    async fn activate_invoice_sale(
        &self,
        ctx: &Context<'_>,
        company_id: ID,
        agreement: AgreementInput,
    ) -> GqlResult<InvoiceSaleAgreement> {
        let op = actor(ctx)?.operator()?;
        let id = decode_id::<CompanyId>(&company_id, "companyId")?;
        let terms = agreement.into_terms()?;
        Ok(InvoiceSaleAgreement(
            service::activate(state(ctx), op, id, terms).await?,
        ))
    }

    /// Operators: records a spot check's outcome; the sale is decided at once.
    async fn resolve_spot_check(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sale waiting for its spot check.")] sale_id: ID,
        #[graphql(desc = "What the recipient answered.")] outcome: SpotCheckOutcome,
        #[graphql(
            desc = "An internal note, never shown to the company (at most 1 000 characters)."
        )]
        note: Option<String>,
    ) -> GqlResult<InvoiceSale> {
        let op = actor(ctx)?.operator()?;
        let id = decode_id::<SaleId>(&sale_id, "saleId")?;
        Ok(InvoiceSale::from(
            service::resolve_spot_check(state(ctx), op, id, outcome.into(), note).await?,
        ))
    }
}
