//! Payments registered on invoices, settling a sold invoice, and credit
//! notes.

use super::*;
use crate::domain::id::{CompanyId, InvoiceId};
use crate::domain::money::Ore;

/// A payment to record, already split and checked by the use case.
#[derive(Debug, Clone)]
pub struct NewPayment {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Who paid.
    pub payer: Payer,
    /// The client's key.
    pub idempotency_key: Option<String>,
    /// The whole amount.
    pub amount_ore: Ore,
    /// Towards the customer's part of the invoice.
    pub capital_ore: Ore,
    /// Towards the customer's fees (through Nox Finans).
    pub fees_ore: Ore,
    /// Towards interest (through Nox Finans).
    pub interest_ore: Ore,
    /// Towards Skatteverket's part (a Skatteverket payment).
    pub house_work_ore: Ore,
    /// Off the invoice by a credit note.
    pub credit_ore: Ore,
    /// The part of `credit_ore` that is Skatteverket's: what the credit took
    /// off a house-work invoice's tax reduction. The rest is the customer's.
    pub reduction_ore: Ore,
    /// The credit note that takes `credit_ore` off.
    pub credit_note: Option<InvoiceId>,
    /// The day it was paid.
    pub paid_on: NaiveDate,
}

impl NewPayment {
    /// A movement of `amount_ore` on the invoice under the client's `key`,
    /// with nothing yet said of the parts it goes to: the use case sets them.
    pub fn of(
        invoice_id: InvoiceId,
        payer: Payer,
        key: &str,
        amount_ore: Ore,
        paid_on: NaiveDate,
    ) -> Self {
        Self {
            invoice_id,
            payer,
            idempotency_key: Some(key.to_string()),
            amount_ore,
            capital_ore: Ore::ZERO,
            fees_ore: Ore::ZERO,
            interest_ore: Ore::ZERO,
            house_work_ore: Ore::ZERO,
            credit_ore: Ore::ZERO,
            reduction_ore: Ore::ZERO,
            credit_note: None,
            paid_on,
        }
    }
}

/// Records a payment and lowers the balance by increments, refusing (with
/// `CONFLICT`) when the part it pays has meanwhile become smaller than it.
/// A credit that lowers the tax reduction lowers it first
/// ([`set_tax_reduction`]), so the customer's part
/// it is checked against has grown by what it takes off the reduction.
pub async fn add_payment<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    p: NewPayment,
    now: DateTime<Utc>,
) -> AppResult<Invoice> {
    let customer_part = p.capital_ore + p.credit_ore;
    let n = crate::store::raw::exec(
        db,
        "UPDATE invoice SET balance_ore = balance_ore - ?, \
         house_work_paid_ore = house_work_paid_ore + ?, credited_ore = credited_ore + ?, updated_at = ? \
         WHERE id = ? AND company_id = ? \
         AND balance_ore - (COALESCE(house_work_deductible_ore, 0) - house_work_paid_ore) >= ? \
         AND COALESCE(house_work_deductible_ore, 0) - house_work_paid_ore >= ?",
        [
            (customer_part + p.house_work_ore).into(),
            p.house_work_ore.into(),
            p.credit_ore.into(),
            now.into(),
            p.invoice_id.into(),
            tenant.company_id().into(),
            customer_part.into(),
            p.house_work_ore.into(),
        ],
    )
    .await?;
    if n == 0 {
        return Err(AppError::conflict(
            "the payment is larger than what is left to pay on the invoice",
        ));
    }
    let invoice_id = p.invoice_id;
    insert_row(db, tenant, p, now).await?;
    require(db, tenant, invoice_id, "invoiceId").await
}

/// Inserts the row of a payment whose amounts are already on the invoice:
/// its capital is what it took off the customer's part.
async fn insert_row<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    p: NewPayment,
    now: DateTime<Utc>,
) -> AppResult<()> {
    payment::ActiveModel {
        company_id: Set(tenant.company_id().get()),
        invoice_id: Set(p.invoice_id.get()),
        amount_ore: Set(p.amount_ore.get()),
        paid_on: Set(p.paid_on),
        payer: Set(p.payer.as_str().to_string()),
        idempotency_key: Set(p.idempotency_key),
        capital_ore: Set((p.capital_ore + p.credit_ore - p.reduction_ore).get()),
        fees_ore: Set(p.fees_ore.get()),
        interest_ore: Set(p.interest_ore.get()),
        credit_note_id: Set(p.credit_note.map(InvoiceId::get)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Skatteverket's denial of part of an invoice's tax reduction, to record.
#[derive(Debug, Clone, Copy)]
pub struct Denial<'a> {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// How much of the reduction was denied.
    pub denied_ore: Ore,
    /// Whether it leaves the invoice (a sold invoice, whose customer's part
    /// the financier bought) rather than join the customer's part.
    pub leaves: bool,
    /// The client's key.
    pub key: &'a str,
    /// The day it is recorded.
    pub on: NaiveDate,
}

/// Records a [`Denial`]: the reduction falls by it, and the customer's part
/// grows by it, or, when it leaves the invoice, the balance falls by it
/// instead. `CONFLICT` when Skatteverket's unpaid part has meanwhile become
/// smaller than it.
pub async fn deny_reduction<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    d: Denial<'_>,
    now: DateTime<Utc>,
) -> AppResult<Invoice> {
    let Denial {
        invoice_id,
        denied_ore: denied,
        leaves,
        key,
        on,
    } = d;
    let off_balance = if leaves { denied } else { Ore::ZERO };
    let n = crate::store::raw::exec(
        db,
        "UPDATE invoice SET house_work_deductible_ore = house_work_deductible_ore - ?, \
         balance_ore = balance_ore - ?, updated_at = ? \
         WHERE id = ? AND company_id = ? \
         AND house_work_deductible_ore - house_work_paid_ore >= ?",
        [
            denied.into(),
            off_balance.into(),
            now.into(),
            invoice_id.into(),
            tenant.company_id().into(),
            denied.into(),
        ],
    )
    .await?;
    if n == 0 {
        return Err(AppError::conflict(
            "Skatteverket's part of the invoice changed meanwhile; try again",
        ));
    }
    let row = NewPayment {
        // The customer's part grows by it, unless it left the invoice.
        capital_ore: off_balance - denied,
        ..NewPayment::of(invoice_id, Payer::ReductionDenied, key, denied, on)
    };
    insert_row(db, tenant, row, now).await?;
    require(db, tenant, invoice_id, "invoiceId").await
}

record!(
    /// A payment of an invoice (or a credit note set against it).
    Payment try_from payment::Model {
        /// Its id.
        id: i64,
        /// The company paid.
        company_id: CompanyId,
        /// The invoice paid.
        invoice_id: InvoiceId,
        /// The amount, in öre.
        amount_ore: Ore,
        /// When it was paid.
        paid_on: NaiveDate,
        /// Who paid.
        payer: Payer as stored,
        /// The client's key: the same key records once.
        idempotency_key: Option<String>,
        /// The part that paid the capital (the customer's part), in öre. A
        /// credit note's payment has the rest of its amount taken off the
        /// tax reduction.
        capital_ore: Ore,
        /// The part that paid fees, in öre.
        fees_ore: Ore,
        /// The part that paid interest, in öre.
        interest_ore: Ore,
        /// The credit note of a credit.
        credit_note_id: Option<InvoiceId>,
        /// When it was recorded.
        created_at: DateTime<Utc>,
    }
);

/// The tenant's payment recorded under `key`, if any.
pub async fn payment_by_key<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    key: &str,
) -> AppResult<Option<Payment>> {
    crate::store::record::one(
        db,
        payment::Entity::find()
            .filter(payment::Column::CompanyId.eq(tenant.company_id()))
            .filter(payment::Column::IdempotencyKey.eq(key)),
    )
    .await
}

/// The payments (and credits) of the tenant's invoices `ids`, oldest first.
pub async fn payments_of_many<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<InvoiceId>,
) -> AppResult<Vec<Payment>> {
    crate::store::record::all(
        db,
        payment::Entity::find()
            .filter(payment::Column::CompanyId.eq(tenant.company_id()))
            .filter(payment::Column::InvoiceId.is_in(ids))
            .order_by_asc(payment::Column::Id),
    )
    .await
}

/// The payments (and credits) of the tenant's invoice, oldest first.
pub async fn payments_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
) -> AppResult<Vec<Payment>> {
    payments_of_many(db, tenant, vec![invoice_id]).await
}

/// Settles the tenant's invoice as sold: the customer's part (`amount_ore`)
/// leaves the balance. `false` when it is already sold or the balance moved.
pub async fn settle_sold<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
    amount_ore: Ore,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let sold = true;
    let n = crate::store::raw::exec(
        db,
        "UPDATE invoice SET sold = ?, balance_ore = balance_ore - ?, updated_at = ? \
         WHERE id = ? AND company_id = ? AND sold = ? AND balance_ore >= ?",
        [
            sold.into(),
            amount_ore.into(),
            now.into(),
            invoice_id.into(),
            tenant.company_id().into(),
            (!sold).into(),
            amount_ore.into(),
        ],
    )
    .await?;
    Ok(n == 1)
}

/// Links a credit note to the invoice it credits.
pub async fn link_credit_note<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    credit_note_id: InvoiceId,
    invoice_id: InvoiceId,
) -> AppResult<()> {
    invoice::Entity::update_many()
        .col_expr(invoice::Column::CreditsInvoiceId, Expr::value(invoice_id))
        .filter(invoice::Column::Id.eq(credit_note_id))
        .filter(invoice::Column::CompanyId.eq(tenant.company_id()))
        .exec(db)
        .await?;
    Ok(())
}
