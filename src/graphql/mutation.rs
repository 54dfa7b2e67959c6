//! Mutation root.

use async_graphql::{Context, ID, Object};

use super::error::GqlResult;
use super::ids::{Kind, decode};
use super::scalars::{Date, Decimal};
use super::types::customer::Customer;
use super::types::inputs::{CustomerInput, InvoiceInput};
use super::types::invoice::Invoice;
use super::{state, tenant};
use crate::services::{customers, invoices};

/// Company, customer and invoice mutations.
#[derive(Default)]
pub struct CoreMutation;

/// Mutation root: every mutation field.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    CoreMutation,
    super::sales_api::SaleMutation,
    super::nox_api::NoxMutation,
);

/// Everything a client can change.
#[Object]
impl CoreMutation {
    /// Creates a customer.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CustomerInput,
    ) -> GqlResult<Customer> {
        let t = tenant(ctx)?;
        Ok(Customer(
            customers::create(state(ctx), t, input.into()).await?,
        ))
    }

    /// Changes a customer: fields left out are kept, fields sent as null cleared.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CustomerInput,
    ) -> GqlResult<Customer> {
        let t = tenant(ctx)?;
        let id = decode(&id, Kind::Customer, "id")?;
        Ok(Customer(
            customers::update(state(ctx), t, id, input.into()).await?,
        ))
    }

    /// Creates an invoice, with its number and OCR reference.
    async fn create_invoice(&self, ctx: &Context<'_>, input: InvoiceInput) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        Ok(Invoice(
            invoices::create(state(ctx), t, input.into_service()?).await?,
        ))
    }

    /// Replaces an invoice's content; refused for a cancelled invoice.
    async fn update_invoice(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: InvoiceInput,
    ) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode(&id, Kind::Invoice, "id")?;
        Ok(Invoice(
            invoices::update(state(ctx), t, id, input.into_service()?).await?,
        ))
    }

    /// Cancels (makulerar) an invoice; refused once payments are registered.
    async fn cancel_invoice(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode(&id, Kind::Invoice, "id")?;
        Ok(Invoice(invoices::cancel(state(ctx), t, id).await?))
    }

    /// Marks an invoice as printed or sent to the customer.
    async fn mark_invoice_sent(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode(&id, Kind::Invoice, "id")?;
        Ok(Invoice(invoices::mark_sent(state(ctx), t, id).await?))
    }

    /// Registers a customer payment; the amount may not exceed the balance.
    async fn register_payment(
        &self,
        ctx: &Context<'_>,
        invoice_id: ID,
        amount: Decimal,
        paid_on: Date,
    ) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode(&invoice_id, Kind::Invoice, "invoiceId")?;
        Ok(Invoice(
            invoices::register_payment(state(ctx), t, id, amount.0, paid_on.0).await?,
        ))
    }
}
