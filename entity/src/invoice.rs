//! A customer invoice, with the customer's name and address as printed on it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub customer_id: i64,
    /// Unique within the company.
    pub invoice_number: String,
    pub customer_name: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub invoice_date: Date,
    pub due_date: Date,
    pub terms_of_payment: String,
    /// ISO 4217.
    pub currency: String,
    /// `INVOICE`, `CASH` or `INTEREST`.
    pub invoice_type: String,
    pub net_ore: i64,
    pub vat_ore: i64,
    pub total_ore: i64,
    /// Total minus registered payments.
    pub balance_ore: i64,
    /// `ROT` or `RUT` for a house-work invoice.
    pub house_work_type: Option<String>,
    /// The tax reduction (Skatteverket's share) of a house-work invoice.
    pub house_work_deductible_ore: Option<i64>,
    pub ocr: String,
    pub cancelled: bool,
    pub not_completed: bool,
    pub sent: bool,
    /// Settled as sold to the financier (the customer's part left the books).
    pub sold: bool,
    /// What Skatteverket has paid of the tax reduction.
    pub house_work_paid_ore: i64,
    /// What credit notes have taken off the invoice.
    pub credited_ore: i64,
    /// For a credit note: the invoice it credits.
    pub credits_invoice_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `customer_name` in its search form, lower-cased and without accents
    /// but Å, Ä and Ö's: what the invoice list's search reads
    /// ([`crate::text::search_form`]).
    pub customer_name_search: Option<String>,
    /// `customer_name`'s key in Swedish alphabetical order, empty without a
    /// name: what the list sorts by ([`crate::text::sort_key`]).
    pub customer_name_sort: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
