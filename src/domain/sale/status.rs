//! Where a sale stands and the steps that move it.

use crate::domain::notification::NotificationKind;

stored_enum! {
    /// Where a sale stands.
    pub enum SaleStatus {
        /// Requested, being processed.
        Processing = "PROCESSING",
        /// Waiting for a spot check.
        SpotCheck = "SPOT_CHECK",
        /// Bought; payout pending.
        Approved = "APPROVED",
        /// Not bought.
        Denied = "DENIED",
        /// Paid out to the company.
        PaidOut = "PAID_OUT",
        /// Withdrawn by the company before the decision.
        Withdrawn = "WITHDRAWN",
    }
}

impl SaleStatus {
    /// Whether a decision (approve or deny) may be taken from this status.
    pub fn awaits_decision(self) -> bool {
        matches!(self, Self::Processing | Self::SpotCheck)
    }

    /// The sale holds its invoice: in progress or made (neither denied nor
    /// withdrawn). An invoice is sold at most once this way.
    pub fn holds_invoice(self) -> bool {
        !matches!(self, Self::Denied | Self::Withdrawn)
    }

    /// The financier bought the invoice (approved, and perhaps paid out).
    pub fn is_bought(self) -> bool {
        matches!(self, Self::Approved | Self::PaidOut)
    }
}

/// A step in the life of a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleStep {
    /// Spot-check selection picked the sale.
    StartSpotCheck,
    /// The financier approved.
    Approve,
    /// The financier denied.
    Deny,
    /// The payout left.
    PayOut,
    /// The company withdrew the sale before the decision.
    Withdraw,
}

/// The status after `step`, or `None` when the step is not allowed from
/// `current`. The store applies a step only to rows whose status is in
/// [`allowed_from`], atomically, so a sale is decided (and paid) exactly once
/// however many workers or operators race for it.
pub fn next_status(current: SaleStatus, step: SaleStep) -> Option<SaleStatus> {
    use SaleStatus::*;
    match (current, step) {
        (Processing, SaleStep::StartSpotCheck) => Some(SpotCheck),
        (Processing | SpotCheck, SaleStep::Approve) => Some(Approved),
        (Processing | SpotCheck, SaleStep::Deny) => Some(Denied),
        (Processing | SpotCheck, SaleStep::Withdraw) => Some(Withdrawn),
        (Approved, SaleStep::PayOut) => Some(PaidOut),
        _ => None,
    }
}

/// The statuses from which `step` is allowed.
pub fn allowed_from(step: SaleStep) -> Vec<SaleStatus> {
    SaleStatus::ALL
        .into_iter()
        .filter(|s| next_status(*s, step).is_some())
        .collect()
}

stored_enum! {
    /// What happened to a sale, as its history and subscribers see it.
    pub enum SaleEvent {
        /// Sent for sale.
        Submitted = "SUBMITTED",
        /// Selected for a spot check.
        SpotCheckStarted = "SPOT_CHECK_STARTED",
        /// The spot check got its outcome.
        SpotCheckResolved = "SPOT_CHECK_RESOLVED",
        /// Bought.
        Approved = "APPROVED",
        /// Not bought.
        Denied = "DENIED",
        /// Paid out.
        PaidOut = "PAID_OUT",
        /// Withdrawn by the company before the decision.
        Withdrawn = "WITHDRAWN",
    }
}

impl SaleEvent {
    /// The notification the company gets of the step, if it hears of it: every
    /// step but the spot check's, which is the financier's business until it
    /// ends in a decision.
    pub fn notification(self) -> Option<NotificationKind> {
        match self {
            Self::Submitted => Some(NotificationKind::SaleSent),
            Self::SpotCheckStarted | Self::SpotCheckResolved => None,
            Self::Approved => Some(NotificationKind::SaleApproved),
            Self::Denied => Some(NotificationKind::SaleDenied),
            Self::PaidOut => Some(NotificationKind::SalePaidOut),
            Self::Withdrawn => Some(NotificationKind::SaleWithdrawn),
        }
    }
}
