//! Input objects, converted to service inputs. A field left out keeps its value
//! on update; a field sent as `null` clears it.

use crate::domain::id::CustomerId;
use async_graphql::{ID, InputObject, MaybeUndefined};

use super::invoice::{HouseWorkType, InvoiceType};
use crate::domain::invoice::RowInput;
use crate::error::AppError;
use crate::graphql::ids::decode_id;
use crate::graphql::scalars::{Date, Decimal};
use crate::services::customers::CustomerChanges;
use crate::services::invoices::{HouseWorkInput as HouseWork, InvoiceInput as NewInvoice};
use crate::services::{AddressPatch, Patch};

fn patch<T>(v: MaybeUndefined<T>) -> Patch<T> {
    match v {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v),
    }
}

/// A postal address. On update, fields left out are kept.
#[derive(InputObject, Default)]
pub struct AddressInput {
    /// Street and number.
    pub street: MaybeUndefined<String>,
    /// City.
    pub city: MaybeUndefined<String>,
    /// Swedish postal code, five digits (`11351` or `113 51`).
    pub postal_code: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2 country code; `SE` when not given.
    pub country: MaybeUndefined<String>,
}

impl From<AddressInput> for AddressPatch {
    fn from(a: AddressInput) -> Self {
        Self {
            street: patch(a.street),
            city: patch(a.city),
            postal_code: patch(a.postal_code),
            country: patch(a.country),
        }
    }
}

/// A customer's data. On create, all fields are optional; on update, fields left
/// out are kept and fields sent as `null` are cleared.
#[derive(InputObject, Default)]
pub struct CustomerInput {
    /// The company's number for the customer; generated when not given on create.
    pub customer_number: MaybeUndefined<String>,
    /// Name.
    pub name: MaybeUndefined<String>,
    /// Organisation number or personnummer, with check digit.
    pub organisation_number: MaybeUndefined<String>,
    /// E-mail address.
    pub email: MaybeUndefined<String>,
    /// Phone number.
    pub phone: MaybeUndefined<String>,
    /// Postal address.
    pub address: MaybeUndefined<AddressInput>,
}

impl From<CustomerInput> for CustomerChanges {
    fn from(c: CustomerInput) -> Self {
        Self {
            customer_number: patch(c.customer_number),
            name: patch(c.name),
            organisation_number: patch(c.organisation_number),
            email: patch(c.email),
            phone: patch(c.phone),
            address: match c.address {
                MaybeUndefined::Undefined => Patch::Keep,
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Value(a) => Patch::Set(a.into()),
            },
        }
    }
}

/// One invoice row.
#[derive(InputObject)]
pub struct InvoiceRowInput {
    /// What was sold (1 to 500 characters).
    pub description: String,
    /// How many; greater than zero, up to three decimals.
    pub quantity: Decimal,
    /// Price per unit excluding VAT; not negative, up to two decimals.
    pub unit_price: Decimal,
    /// VAT rate in percent: 25, 12, 6 or 0.
    pub vat_rate: Decimal,
}

impl From<InvoiceRowInput> for RowInput {
    fn from(r: InvoiceRowInput) -> Self {
        RowInput {
            description: r.description,
            quantity: r.quantity.0,
            unit_price: r.unit_price.0,
            vat_rate: r.vat_rate.0,
        }
    }
}

/// House-work (ROT/RUT) details.
#[derive(InputObject)]
pub struct HouseWorkInput {
    /// ROT or RUT.
    #[graphql(name = "type")]
    pub kind: HouseWorkType,
    /// The tax reduction claimed from Skatteverket; at most the invoice total.
    pub deductible_amount: Decimal,
}

/// An invoice's content. On update the rows are replaced; `currency`,
/// `type`, `notCompleted`, `customerName` and `invoiceAddress` are kept when
/// left out.
#[derive(InputObject)]
pub struct InvoiceInput {
    /// The customer (`Customer` ID).
    pub customer_id: ID,
    /// Invoice date.
    pub invoice_date: Date,
    /// Terms of payment code, e.g. `30`.
    pub terms_of_payment: String,
    /// ISO 4217 currency; `SEK` when a new invoice does not give one.
    pub currency: Option<String>,
    /// Invoice type; `INVOICE` when a new invoice does not give one.
    #[graphql(name = "type")]
    pub invoice_type: Option<InvoiceType>,
    /// Rows; at least one.
    pub rows: Vec<InvoiceRowInput>,
    /// House work, if any.
    pub house_work: Option<HouseWorkInput>,
    /// Marked "not completed" (Ej klar).
    pub not_completed: Option<bool>,
    /// Customer name as printed; the customer's when not given.
    pub customer_name: MaybeUndefined<String>,
    /// Invoice address as printed; the customer's when not given.
    pub invoice_address: MaybeUndefined<AddressInput>,
}

impl InvoiceInput {
    /// Converts to the service input, decoding IDs.
    pub fn into_service(self) -> Result<NewInvoice, AppError> {
        Ok(NewInvoice {
            customer_id: decode_id::<CustomerId>(&self.customer_id, "customerId")?,
            invoice_date: self.invoice_date.0,
            terms_of_payment: self.terms_of_payment,
            currency: self.currency,
            invoice_type: self.invoice_type.map(Into::into),
            rows: self
                .rows
                .into_iter()
                .map(|r| RowInput {
                    description: r.description,
                    quantity: r.quantity.0,
                    unit_price: r.unit_price.0,
                    vat_rate: r.vat_rate.0,
                })
                .collect(),
            house_work: self.house_work.map(|h| HouseWork {
                kind: h.kind.into(),
                deductible_amount: h.deductible_amount.0,
            }),
            not_completed: self.not_completed,
            customer_name: patch(self.customer_name),
            invoice_address: match self.invoice_address {
                MaybeUndefined::Undefined => Patch::Keep,
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Value(a) => Patch::Set(a.into()),
            },
        })
    }
}
