//! Who holds an invoice: a sale or a Nox Finans case, never both.

use super::*;
use crate::domain::id::{CaseId, InvoiceId, SaleId};

/// Which service holds an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A sale, by its id.
    Sale(SaleId),
    /// A Nox Finans case, by its id.
    NoxFinans(CaseId),
}

impl Holder {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Self::Sale(id) => ("SALE", id.get()),
            Self::NoxFinans(id) => ("NOX_FINANS", id.get()),
        }
    }
}

/// Lets `holder` hold the tenant's invoice. The database allows one holder per
/// invoice: when another service holds it, this is a `CONFLICT`.
pub async fn hold<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
    holder: Holder,
) -> AppResult<()> {
    let (kind, id) = holder.parts();
    entity::invoice_hold::ActiveModel {
        invoice_id: Set(invoice_id.get()),
        company_id: Set(tenant.company_id().get()),
        holder: Set(kind.to_string()),
        holder_id: Set(id),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| {
        AppError::from(e).duplicate_as("the invoice is already held by a sale or by Nox Finans")
    })?;
    Ok(())
}

/// Frees the tenant's invoice from `holder` (a denied or withdrawn sale, a
/// rejected or recalled case).
pub async fn release<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
    holder: Holder,
) -> AppResult<()> {
    let (kind, id) = holder.parts();
    entity::invoice_hold::Entity::delete_many()
        .filter(entity::invoice_hold::Column::InvoiceId.eq(invoice_id))
        .filter(entity::invoice_hold::Column::CompanyId.eq(tenant.company_id()))
        .filter(entity::invoice_hold::Column::Holder.eq(kind))
        .filter(entity::invoice_hold::Column::HolderId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
