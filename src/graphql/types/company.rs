//! The `Company` type.

use async_graphql::{ID, Object, SimpleObject};

use crate::client_error::GqlResult;
use crate::graphql::ids::encode_id;
use crate::graphql::{state, tenant};
use crate::store::companies;

/// A business that invoices its customers: the tenant of all its data.
pub struct Company(pub crate::store::companies::Company);

/// A terms-of-payment code a company can put on its invoices.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct TermsOfPayment {
    /// The code printed on invoices, e.g. `30`.
    pub code: String,
    /// Days from invoice date to due date.
    pub days: i32,
    /// Human description.
    pub description: String,
}

/// A business that invoices its customers: the tenant of all its data.
#[Object(serial)]
impl Company {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// Registered name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Organisation number, `NNNNNN-NNNN`.
    async fn organisation_number(&self) -> &str {
        &self.0.organisation_number
    }
    /// The invoice-sale agreement; null until a seller has set one up.
    async fn invoice_sale(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> GqlResult<Option<super::sale::InvoiceSaleAgreement>> {
        let t = tenant(ctx)?;
        Ok(crate::store::sales::agreement(&state(ctx).db, t)
            .await?
            .map(super::sale::InvoiceSaleAgreement))
    }
    /// The balance of the payments account (client funds) now.
    async fn payments_account_balance(&self) -> crate::graphql::scalars::Decimal {
        self.0.payments_balance_ore.into()
    }
    /// The terms of payment the company's invoices can use.
    async fn terms_of_payment(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> GqlResult<Vec<TermsOfPayment>> {
        let t = tenant(ctx)?;
        Ok(companies::terms(&state(ctx).db, t)
            .await?
            .into_iter()
            .map(|m| TermsOfPayment {
                code: m.code,
                days: m.days,
                description: m.description,
            })
            .collect())
    }
}
