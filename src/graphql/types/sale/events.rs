//! A sale's history as events, and the sale's icon in the invoice list.

use super::*;

/// What happened to a sale.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::sale::SaleEvent")]
pub enum InvoiceSaleEventKind {
    /// Sent for sale.
    Submitted,
    /// Selected for a spot check.
    SpotCheckStarted,
    /// The spot check got its outcome.
    SpotCheckResolved,
    /// Bought.
    Approved,
    /// Not bought.
    Denied,
    /// Paid out.
    PaidOut,
    /// Withdrawn by the company before the decision.
    Withdrawn,
}

/// One step in the life of a sale.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct InvoiceSaleEvent {
    /// Position in the event stream; pass as `after` to resume after this event.
    pub cursor: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: InvoiceSaleEventKind,
    /// The sale, as it is now.
    pub sale: InvoiceSale,
    /// A sentence for the user.
    pub message: String,
}

impl InvoiceSaleEvent {
    /// The event of outbox row `e` about `sale`. A kind this version does
    /// not know (a newer one wrote it) is an internal error, logged, never
    /// shown as another step.
    pub fn new(
        e: &crate::store::outbox::Event,
        sale: InvoiceSale,
    ) -> Result<Self, crate::error::AppError> {
        use crate::domain::event::Happened;
        let Some(Happened::Sale(_, kind)) = e.happened() else {
            return Err(e.unknown_kind("sale event"));
        };
        Ok(Self {
            cursor: cursor(e.position),
            at: e.at,
            kind: kind.into(),
            sale,
            message: e.message.clone(),
        })
    }
}

/// The icon the invoice list shows for an invoice.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InvoiceListIconKind {
    /// Being processed for sale.
    Clock,
    /// Sale denied.
    Cross,
    /// Sold (approved or paid out).
    Coins,
    /// Handed to Nox Finans.
    Gavel,
}

/// The icon and its hover text.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct InvoiceListIcon {
    /// Which icon.
    pub kind: InvoiceListIconKind,
    /// The text on hover.
    pub tooltip: String,
}

/// The list icon for an invoice's latest sale.
pub fn sale_icon(s: &crate::store::sales::Sale) -> Option<InvoiceListIcon> {
    Some(match s.status {
        SaleStatus::Withdrawn => return None,
        SaleStatus::Processing | SaleStatus::SpotCheck => InvoiceListIcon {
            kind: InvoiceListIconKind::Clock,
            tooltip: "Processing: the invoice has been sent for sale".into(),
        },
        SaleStatus::Denied => InvoiceListIcon {
            kind: InvoiceListIconKind::Cross,
            tooltip: format!(
                "Sale denied: {}",
                s.denial_message.clone().unwrap_or_default()
            ),
        },
        SaleStatus::Approved => InvoiceListIcon {
            kind: InvoiceListIconKind::Coins,
            tooltip: match s.payout_date {
                Some(d) => format!(
                    "Approved for sale: {} SEK is paid out on {d}",
                    from_ore(s.payout_ore)
                ),
                None => "Approved for sale".into(),
            },
        },
        SaleStatus::PaidOut => InvoiceListIcon {
            kind: InvoiceListIconKind::Coins,
            tooltip: format!("Sold: {} SEK paid out", from_ore(s.payout_ore)),
        },
    })
}

crate::connection_types!(
    InvoiceSaleConnection,
    InvoiceSaleEdge,
    InvoiceSale,
    "invoice sales"
);
