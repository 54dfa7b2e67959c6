//! The `Invoice` type and its parts.

use crate::domain::id::InvoiceId;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::Address;
use super::customer::Customer;
use super::nox::NoxFinansCase;
use super::sale::{InvoiceListIcon, InvoiceSale, sale_icon};
use crate::client_error::GqlResult;
use crate::domain::invoice::{self as rules, InvoiceState, StateFacts};
use crate::domain::money::{Ore, from_scaled};
use crate::domain::nox_case::NoxStatus;
use crate::error::AppError;
use crate::graphql::ids::encode_id;
use crate::graphql::loaders::{
    CustomerLoader, InvoiceRowsLoader, NoxCaseByInvoiceLoader, SaleByInvoiceLoader,
};
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{loader, state};
use crate::store::Tenant;
use crate::store::invoices::{self, Along, InvoiceFilter, InvoiceSort};
use crate::store::page::PageRequest;

pub mod brief;
mod list;

pub use list::{InvoiceOrder, InvoiceOrderField, OrderDirection, along, connection, invoice_page};

/// A customer invoice, with what its page read along with it.
#[derive(Clone)]
pub struct Invoice(pub crate::store::invoices::Invoice, Joined);

/// What a page of invoices read along with each (`store::invoices::Along`),
/// so that the invoice's fields take it from here instead of a loader: the
/// customer, and the latest sale (`Some(None)`: the invoice has none).
#[derive(Clone, Default)]
pub struct Joined {
    customer: Option<Arc<crate::store::customers::Customer>>,
    sale: Option<Option<Arc<crate::store::sales::Sale>>>,
}

impl From<crate::store::invoices::Invoice> for Invoice {
    fn from(invoice: crate::store::invoices::Invoice) -> Self {
        Self(invoice, Joined::default())
    }
}

impl Invoice {
    /// An invoice read with its customer (a row of the send view).
    pub fn with_customer(
        invoice: crate::store::invoices::Invoice,
        customer: Option<crate::store::customers::Customer>,
    ) -> Self {
        Self(
            invoice,
            Joined {
                customer: customer.map(Arc::new),
                sale: None,
            },
        )
    }
}

impl From<crate::store::invoices::Listed> for Invoice {
    fn from(l: crate::store::invoices::Listed) -> Self {
        Self(
            l.invoice,
            Joined {
                customer: l.customer.map(Arc::new),
                sale: l.sale.map(|s| s.map(Arc::new)),
            },
        )
    }
}

/// The kind of invoice.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "rules::InvoiceType")]
pub enum InvoiceType {
    /// An ordinary invoice.
    Invoice,
    /// A cash invoice, paid at the time of sale.
    Cash,
    /// An interest invoice for late payment.
    Interest,
    /// A credit note (negative rows), made with `creditInvoice`.
    CreditNote,
}

/// Where an invoice stands today (Europe/Stockholm).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "InvoiceState")]
pub enum InvoiceStatus {
    /// Cancelled (makulerad).
    Cancelled,
    /// Marked "not completed" (Ej klar).
    NotCompleted,
    /// Sold to the financier: settled in the company's books; the customer pays
    /// the financier (coins in the list).
    Sold,
    /// Nothing left to pay.
    Paid,
    /// Credited whole: credit notes took off the whole total and nothing was
    /// paid (`creditInvoice` without rows, say).
    Credited,
    /// Unpaid after its due date.
    Overdue,
    /// Unpaid, not yet due.
    Unpaid,
}

/// ROT (repairs) or RUT (household services) tax reduction.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::invoice::HouseWorkType")]
pub enum HouseWorkType {
    /// Repairs, conversion and extension (ROT).
    Rot,
    /// Household services (RUT).
    Rut,
}

/// The house-work part of an invoice.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct HouseWork {
    /// ROT or RUT.
    #[graphql(name = "type")]
    pub kind: HouseWorkType,
    /// The tax reduction, claimed from Skatteverket rather than the customer.
    pub deductible_amount: Decimal,
    /// What Skatteverket has paid of it (registered with payer SKATTEVERKET).
    pub paid_by_skatteverket: Decimal,
    /// What Skatteverket still owes. Never sold, reminded, charged interest or
    /// collected by Nox Finans.
    pub skatteverket_balance: Decimal,
}

/// One row of an invoice.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct InvoiceRow {
    /// What was sold.
    pub description: String,
    /// How many.
    pub quantity: Decimal,
    /// Price per unit, excluding VAT.
    pub unit_price: Decimal,
    /// VAT rate in percent, e.g. `25`.
    pub vat_rate: Decimal,
    /// Net amount: quantity × unit price, rounded to öre.
    pub amount: Decimal,
}

impl Invoice {
    fn facts(&self) -> StateFacts {
        StateFacts {
            cancelled: self.0.cancelled,
            not_completed: self.0.not_completed,
            sold: self.0.sold,
            balance_ore: self.0.balance_ore,
            total_ore: self.0.total_ore,
            credited_ore: self.0.credited_ore,
            due_date: self.0.due_date,
        }
    }
}

/// A customer invoice.
#[Object(serial)]
impl Invoice {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// Invoice number, unique within the company.
    async fn invoice_number(&self) -> &str {
        &self.0.invoice_number
    }
    /// The customer invoiced.
    async fn customer(&self, ctx: &Context<'_>) -> GqlResult<Customer> {
        if let Some(c) = &self.1.customer {
            return Ok(Customer(c.clone()));
        }
        let found = loader::<CustomerLoader>(ctx)?
            .load_one(self.0.customer_id)
            .await?;
        found
            .map(Customer)
            .ok_or_else(|| AppError::Internal("invoice without its customer".into()).into())
    }
    /// Customer name as printed on the invoice.
    async fn customer_name(&self) -> Option<&str> {
        self.0.customer_name.as_deref()
    }
    /// Invoice address as printed on the invoice.
    async fn invoice_address(&self) -> Option<Address> {
        Address::of(self.0.address())
    }
    /// Invoice date.
    async fn invoice_date(&self) -> Date {
        Date(self.0.invoice_date)
    }
    /// Due date: invoice date plus the days of the terms of payment.
    async fn due_date(&self) -> Date {
        Date(self.0.due_date)
    }
    /// Terms of payment code, e.g. `30`.
    async fn terms_of_payment(&self) -> &str {
        &self.0.terms_of_payment
    }
    /// ISO 4217 currency.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Invoice type.
    #[graphql(name = "type")]
    async fn invoice_type(&self) -> InvoiceType {
        self.0.invoice_type.into()
    }
    /// Where the invoice stands today.
    async fn status(&self, ctx: &Context<'_>) -> InvoiceStatus {
        rules::state(self.facts(), state(ctx).clock.today()).into()
    }
    /// The rows, in order.
    async fn rows(&self, ctx: &Context<'_>) -> GqlResult<Vec<InvoiceRow>> {
        let rows = loader::<InvoiceRowsLoader>(ctx)?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| InvoiceRow {
                description: r.description,
                quantity: from_scaled(r.quantity_milli, 3).normalize().into(),
                unit_price: r.unit_price_ore.into(),
                vat_rate: from_scaled(r.vat_rate_bp, 2).normalize().into(),
                amount: r.amount_ore.into(),
            })
            .collect())
    }
    /// Sum of the rows, excluding VAT.
    async fn net(&self) -> Decimal {
        self.0.net_ore.into()
    }
    /// VAT.
    async fn vat(&self) -> Decimal {
        self.0.vat_ore.into()
    }
    /// Net + VAT.
    async fn total(&self) -> Decimal {
        self.0.total_ore.into()
    }
    /// What remains to be paid to the company: total minus payments and
    /// credits, and once the invoice is sold, minus the customer's part (the
    /// customer then pays the financier).
    async fn balance(&self) -> Decimal {
        self.0.balance_ore.into()
    }
    /// Of the balance, what the customer still owes the company (a house-work
    /// invoice: the balance less Skatteverket's part).
    async fn customer_balance(&self) -> Decimal {
        rules::customer_outstanding(
            self.0.balance_ore,
            self.0.house_work_deductible_ore,
            self.0.house_work_paid_ore,
        )
        .into()
    }
    /// What credit notes have taken off the invoice.
    async fn credited(&self) -> Decimal {
        self.0.credited_ore.into()
    }
    /// For a credit note: the invoice it credits.
    async fn credits_invoice(&self, ctx: &Context<'_>) -> GqlResult<Option<Invoice>> {
        let Some(id) = self.0.credits_invoice_id else {
            return Ok(None);
        };
        Ok(loader::<crate::graphql::loaders::InvoiceLoader>(ctx)?
            .load_one(id)
            .await?
            .map(Invoice::from))
    }
    /// ROT/RUT details; null when the invoice has no house work.
    async fn house_work(&self) -> Option<HouseWork> {
        let kind = self.0.house_work_type?.into();
        Some(HouseWork {
            kind,
            deductible_amount: self.0.house_work_deductible_ore.unwrap_or(Ore::ZERO).into(),
            paid_by_skatteverket: self.0.house_work_paid_ore.into(),
            skatteverket_balance: rules::skatteverket_outstanding(
                self.0.house_work_deductible_ore,
                self.0.house_work_paid_ore,
            )
            .into(),
        })
    }
    /// OCR payment reference: the invoice number, the company's id and the
    /// count of its digits, a length digit and a check digit. No two
    /// invoices of any companies share one, so a customer's payment to the
    /// financier names one sale.
    async fn ocr(&self) -> &str {
        &self.0.ocr
    }
    /// Cancelled (makulerad).
    async fn cancelled(&self) -> bool {
        self.0.cancelled
    }
    /// Marked "not completed" (Ej klar).
    async fn not_completed(&self) -> bool {
        self.0.not_completed
    }
    /// Printed or sent to the customer.
    async fn sent(&self) -> bool {
        self.0.sent
    }
    /// The latest sale of the invoice; null when never offered for sale.
    async fn sale(&self, ctx: &Context<'_>) -> GqlResult<Option<InvoiceSale>> {
        if let Some(s) = &self.1.sale {
            return Ok(s.clone().map(InvoiceSale));
        }
        let Ok(l) = loader::<SaleByInvoiceLoader>(ctx) else {
            return Ok(None);
        };
        Ok(l.load_one(self.0.id).await?.flatten().map(InvoiceSale))
    }
    /// The Nox Finans case; null when never handed over.
    async fn nox_finans(&self, ctx: &Context<'_>) -> GqlResult<Option<NoxFinansCase>> {
        let Ok(l) = loader::<NoxCaseByInvoiceLoader>(ctx) else {
            return Ok(None);
        };
        Ok(l.load_one(self.0.id).await?.map(NoxFinansCase))
    }
    /// What the invoice list shows: a gavel with the status when handed to Nox
    /// Finans; for a sale a clock while processed, coins when sold, a cross when
    /// denied (with the reason as tooltip); null otherwise.
    async fn list_icon(&self, ctx: &Context<'_>) -> GqlResult<Option<InvoiceListIcon>> {
        let case = match loader::<NoxCaseByInvoiceLoader>(ctx) {
            Ok(l) => l.load_one(self.0.id).await?,
            Err(_) => None,
        };
        let gavel = |c: &crate::store::nox::Case| InvoiceListIcon {
            kind: super::sale::InvoiceListIconKind::Gavel,
            tooltip: format!(
                "Nox Finans: {}",
                c.status.as_str().replace('_', " ").to_lowercase()
            ),
        };
        // A case Nox Finans holds (or closed as paid) shows its gavel; after a
        // rejection or recall, a later sale's icon shows instead.
        if let Some(c) = &case
            && !matches!(c.status, NoxStatus::Rejected | NoxStatus::Recalled)
        {
            return Ok(Some(gavel(c)));
        }
        let sale = match (&self.1.sale, loader::<SaleByInvoiceLoader>(ctx)) {
            (Some(s), _) => s.clone(),
            (None, Ok(l)) => l.load_one(self.0.id).await?.flatten(),
            (None, Err(_)) => None,
        };
        Ok(sale
            .as_ref()
            .and_then(|s| sale_icon(s))
            .or_else(|| case.as_ref().map(gavel)))
    }
    /// When the invoice was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the invoice last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

crate::connection_types!(InvoiceConnection, InvoiceEdge, Invoice, "invoices");

/// The invoice `id` through the request's invoice loader; `None` for no id.
pub async fn invoice_of(ctx: &Context<'_>, id: Option<InvoiceId>) -> GqlResult<Option<Invoice>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(loader::<crate::graphql::loaders::InvoiceLoader>(ctx)?
        .load_one(id)
        .await?
        .map(Invoice::from))
}

/// The invoice a sale or a case was made for: it always exists, so its
/// absence is an internal error.
pub async fn invoice_of_record(ctx: &Context<'_>, id: InvoiceId) -> GqlResult<Invoice> {
    Ok(invoice_of(ctx, Some(id))
        .await?
        .ok_or_else(|| crate::error::AppError::Internal(format!("invoice {id} is missing")))?)
}
