//! Mutation root.

use crate::domain::id::{CustomerId, InvoiceId};
use async_graphql::{Context, ID, Object};

use super::ids::decode_id;
use super::scalars::{Date, Decimal};
use super::types::customer::Customer;
use super::types::inputs::{CustomerInput, InvoiceInput};
use super::types::invoice::Invoice;
use super::{state, tenant};
use crate::client_error::GqlResult;
use crate::services::{customers, invoices};

/// A credit note and the invoice it credits.
#[derive(async_graphql::SimpleObject)]
#[graphql(serial)]
pub struct CreditInvoicePayload {
    /// The credit note: negative rows, linked to the invoice.
    pub credit_note: Invoice,
    /// The credited invoice, with its lower balance.
    pub invoice: Invoice,
}

/// Who paid.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentPayer {
    /// The customer paid the company directly. On an invoice with Nox Finans
    /// the case is told: it shrinks or closes, with no payout.
    Customer,
    /// The customer paid Nox Finans, which collected for the company: booked on
    /// the payments account and paid out the next banking day.
    NoxFinans,
    /// Skatteverket paid the tax reduction of a ROT or RUT invoice.
    Skatteverket,
}

impl From<PaymentPayer> for crate::domain::invoice::Payer {
    fn from(p: PaymentPayer) -> Self {
        match p {
            PaymentPayer::Customer => Self::Customer,
            PaymentPayer::NoxFinans => Self::NoxFinans,
            PaymentPayer::Skatteverket => Self::Skatteverket,
        }
    }
}

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
    super::operator_api::OperatorMutation,
);

/// Everything a client can change.
#[Object(serial)]
impl CoreMutation {
    /// Creates a customer.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CustomerInput,
    ) -> GqlResult<Customer> {
        let t = tenant(ctx)?;
        Ok(Customer::from(
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
        let id = decode_id::<CustomerId>(&id, "id")?;
        Ok(Customer::from(
            customers::update(state(ctx), t, id, input.into()).await?,
        ))
    }

    /// Creates an invoice, with its number and OCR reference.
    async fn create_invoice(&self, ctx: &Context<'_>, input: InvoiceInput) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        Ok(Invoice::from(
            invoices::create(state(ctx), t, input.into_service()?).await?,
        ))
    }

    /// Replaces an invoice's content. Refused for a cancelled invoice, one
    /// offered for sale or with Nox Finans, and content that would leave a
    /// payment on a part that no longer exists: a total below what was paid,
    /// a tax reduction below what Skatteverket paid, or a customer's part
    /// below what the customer paid (`VALIDATION`). An invoice with payments
    /// or credits keeps its customer and currency, an invoice date no later
    /// than its first payment, and at each VAT rate rows that hold what its
    /// credit notes took off (`VALIDATION`). Once Skatteverket has denied
    /// part of its tax reduction, the reduction may stay or fall but not rise
    /// (`VALIDATION`).
    async fn update_invoice(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: InvoiceInput,
    ) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&id, "id")?;
        Ok(Invoice::from(
            invoices::update(state(ctx), t, id, input.into_service()?).await?,
        ))
    }

    /// Cancels (makulerar) an invoice; refused once payments or credits are
    /// registered, and for a credit note.
    async fn cancel_invoice(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&id, "id")?;
        Ok(Invoice::from(invoices::cancel(state(ctx), t, id).await?))
    }

    /// Marks an invoice as printed or sent to the customer.
    async fn mark_invoice_sent(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&id, "id")?;
        Ok(Invoice::from(invoices::mark_sent(state(ctx), t, id).await?))
    }

    /// Credits an invoice with a credit note (negative rows, linked to the
    /// invoice) that takes its total off the balance. Without `rows` the whole
    /// invoice is credited, row by row, or, after earlier credit notes, what
    /// they left at each VAT rate (`VALIDATION` on `invoiceId` when nothing
    /// is left, or more than is left to pay); `rows` (positive amounts) credit part of it, at the
    /// invoice's VAT rates and, rate by rate, within the net it charged at that
    /// rate less earlier credit notes (`VALIDATION`). On a ROT/RUT invoice
    /// rows credit the customer's part, unless `houseWorkDeductibleAmount`
    /// lowers the tax reduction with them; without rows, before Skatteverket
    /// paid any of its part, the tax reduction goes too. Its VAT is the
    /// invoice's VAT not yet credited less the VAT on what it leaves to
    /// credit, so credit notes that credit all of it take off all its VAT,
    /// to the öre. An open Nox Finans case is reduced by the customer's part
    /// of the credit, or closed as CREDITED. A sold invoice is
    /// refused (`INVOICE_SOLD`). The same `idempotencyKey` makes one credit note:
    /// a retry answers with that note, and the key sent with another amount,
    /// with other amounts at each VAT rate, or with a tax reduction other
    /// than the invoice's, is refused (`CONFLICT`).
    async fn credit_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice to credit.")] invoice_id: ID,
        #[graphql(
            desc = "The rows to credit, with positive amounts at the invoice's VAT rates; left out, all that is left to credit."
        )]
        rows: Option<Vec<super::types::inputs::InvoiceRowInput>>,
        #[graphql(
            desc = "For a house-work (ROT/RUT) invoice, with `rows`: the tax reduction (deductible amount) after this credit, when it credits labour. The reduction can only fall, by at most the credit and not below what Skatteverket has paid; the fall is taken off Skatteverket's part and the rest of the credit off the customer's. `0` drops the house work. Left out, the credit takes off the customer's part only."
        )]
        house_work_deductible_amount: Option<Decimal>,
        #[graphql(desc = "The client's key: the same key makes one credit note.")]
        idempotency_key: String,
    ) -> GqlResult<CreditInvoicePayload> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&invoice_id, "invoiceId")?;
        let rows = rows.map(|r| r.into_iter().map(Into::into).collect());
        let c = invoices::credit(
            state(ctx),
            t,
            id,
            rows,
            house_work_deductible_amount.map(|d| d.0),
            &idempotency_key,
        )
        .await?;
        Ok(CreditInvoicePayload {
            credit_note: Invoice::from(c.credit_note),
            invoice: Invoice::from(c.invoice),
        })
    }

    /// Records that Skatteverket denied part of a ROT/RUT invoice's tax
    /// reduction (the customer had used up the year's reduction, say). The
    /// reduction falls by `amount` and the customer owes it instead: the
    /// customer's part grows by it, and an open Nox Finans case claims it
    /// too, with interest from 30 days after it is recorded. On a sold
    /// invoice, whose customer's part the financier bought, it leaves the
    /// invoice (the balance falls by it) and the company invoices the
    /// customer for it anew. Skatteverket can deny only what it has not paid
    /// (`VALIDATION` on `amount`); an invoice without house work is
    /// `VALIDATION` on `invoiceId`, one offered for sale `CONFLICT`. The same
    /// `idempotencyKey` records once; sent with another invoice or amount it
    /// is `CONFLICT`.
    async fn record_tax_reduction_denial(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The house-work invoice.")] invoice_id: ID,
        #[graphql(desc = "How much of the tax reduction Skatteverket denied.")] amount: Decimal,
        #[graphql(desc = "The client's key: the same key records once.")] idempotency_key: String,
    ) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&invoice_id, "invoiceId")?;
        Ok(Invoice::from(
            invoices::deny_tax_reduction(state(ctx), t, id, amount.0, &idempotency_key).await?,
        ))
    }

    /// Registers a payment, saying who paid. The customer's payment may not
    /// exceed the customer's part, Skatteverket's not its part; a payment
    /// through Nox Finans pays the invoice first, then the customer's fees and
    /// interest. A sold invoice is refused (`INVOICE_SOLD`) except for
    /// Skatteverket's part. The same `idempotencyKey` records nothing twice;
    /// sent with another invoice, payer, amount or `paidOn` it is refused
    /// (`CONFLICT`).
    async fn register_payment(
        &self,
        ctx: &Context<'_>,
        invoice_id: ID,
        amount: Decimal,
        paid_on: Date,
        payer: PaymentPayer,
        idempotency_key: String,
    ) -> GqlResult<Invoice> {
        let t = tenant(ctx)?;
        let id = decode_id::<InvoiceId>(&invoice_id, "invoiceId")?;
        let input = invoices::PaymentInput {
            invoice_id: id,
            payer: payer.into(),
            amount: amount.0,
            paid_on: paid_on.0,
            idempotency_key,
        };
        Ok(Invoice::from(
            invoices::register_payment(state(ctx), t, input).await?,
        ))
    }
}
