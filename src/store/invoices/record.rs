//! An invoice as the rest of the server sees it.

use crate::domain::address::Address;
use crate::domain::id::{CompanyId, CustomerId, InvoiceId};
use crate::domain::invoice::Paid;
use chrono::{DateTime, NaiveDate, Utc};
use entity::invoice;

use crate::domain::invoice::{HouseWorkType, InvoiceType};
use crate::domain::money::Ore;

record!(
    /// An invoice of a company, with its amounts and flags.
    Invoice try_from invoice::Model {
        /// Its id.
        id: InvoiceId,
        /// The company that issued it.
        company_id: CompanyId,
        /// The customer.
        customer_id: CustomerId,
        /// Unique within the company.
        invoice_number: String,
        /// Name as printed.
        customer_name: Option<String>,
        /// Street as printed.
        street: Option<String>,
        /// Postal code as printed.
        postal_code: Option<String>,
        /// City as printed.
        city: Option<String>,
        /// ISO country code.
        country: String,
        /// Invoice date.
        invoice_date: NaiveDate,
        /// Due date.
        due_date: NaiveDate,
        /// Terms of payment code.
        terms_of_payment: String,
        /// ISO 4217.
        currency: String,
        /// Its kind.
        invoice_type: InvoiceType as stored,
        /// Net amount, in öre.
        net_ore: Ore,
        /// VAT, in öre.
        vat_ore: Ore,
        /// Total, in öre.
        total_ore: Ore,
        /// Total minus registered payments, in öre.
        balance_ore: Ore,
        /// ROT or RUT for a house-work invoice.
        house_work_type: Option<HouseWorkType> as stored,
        /// The tax reduction (Skatteverket's share), in öre.
        house_work_deductible_ore: Option<Ore>,
        /// OCR reference.
        ocr: String,
        /// Cancelled (makulerad).
        cancelled: bool,
        /// Not completed (ej färdigställd).
        not_completed: bool,
        /// Printed or sent to the customer.
        sent: bool,
        /// Settled as sold to the financier.
        sold: bool,
        /// What Skatteverket has paid of the tax reduction, in öre.
        house_work_paid_ore: Ore,
        /// What credit notes have taken off the invoice, in öre.
        credited_ore: Ore,
        /// For a credit note: the invoice it credits.
        credits_invoice_id: Option<InvoiceId>,
        /// Created.
        created_at: DateTime<Utc>,
        /// Last changed.
        updated_at: DateTime<Utc>,
    }
);

crate::keyed_by_id!(Invoice);

impl Invoice {
    /// What has been paid on it so far, by whom (credits count as the
    /// customer's).
    pub fn paid(&self) -> Paid {
        let skatteverket_ore = self.house_work_paid_ore;
        Paid {
            customer_ore: self.total_ore - self.balance_ore - skatteverket_ore,
            skatteverket_ore,
        }
    }

    /// The address printed on it.
    pub fn address(&self) -> Address {
        Address::of_columns(&self.street, &self.postal_code, &self.city, &self.country)
    }
}
