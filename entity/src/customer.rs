//! A company's customer (invoice recipient).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    /// Unique within the company.
    pub customer_number: String,
    pub name: Option<String>,
    /// Organisation number `NNNNNN-NNNN` or personnummer `YYYYMMDD-NNNN`, normalised.
    pub organisation_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    /// Five digits, no space.
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `name` in its search form, lower-cased and without accents but
    /// Å, Ä and Ö's: what the customer search reads ([`crate::text::search_form`]).
    pub name_search: Option<String>,
    /// `name`'s key in Swedish alphabetical order ([`crate::text::sort_key`];
    /// empty without a name): what the customer list sorts by name.
    pub name_sort: String,
    /// `customer_number`'s key with its digits compared as numbers
    /// ([`crate::text::number_sort_key`]): what the customer list sorts by
    /// number.
    pub number_sort: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
