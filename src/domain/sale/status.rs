//! Where a sale stands and the steps that move it.

/// Where a sale stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleStatus {
    /// Requested, being processed.
    Processing,
    /// Waiting for a spot check.
    SpotCheck,
    /// Bought; payout pending.
    Approved,
    /// Not bought.
    Denied,
    /// Paid out to the company.
    PaidOut,
    /// Withdrawn by the company before the decision.
    Withdrawn,
}

impl SaleStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "PROCESSING",
            Self::SpotCheck => "SPOT_CHECK",
            Self::Approved => "APPROVED",
            Self::Denied => "DENIED",
            Self::PaidOut => "PAID_OUT",
            Self::Withdrawn => "WITHDRAWN",
        }
    }
    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PROCESSING" => Self::Processing,
            "SPOT_CHECK" => Self::SpotCheck,
            "APPROVED" => Self::Approved,
            "DENIED" => Self::Denied,
            "PAID_OUT" => Self::PaidOut,
            "WITHDRAWN" => Self::Withdrawn,
            _ => return None,
        })
    }
    /// Whether a decision (approve or deny) may be taken from this status.
    pub fn awaits_decision(self) -> bool {
        matches!(self, Self::Processing | Self::SpotCheck)
    }

    /// Every status.
    pub const ALL: [SaleStatus; 6] = [
        Self::Processing,
        Self::SpotCheck,
        Self::Approved,
        Self::Denied,
        Self::PaidOut,
        Self::Withdrawn,
    ];
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

/// What happened to a sale, as its history and subscribers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleEvent {
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

impl SaleEvent {
    /// Every event kind.
    pub const ALL: [Self; 7] = [
        Self::Submitted,
        Self::SpotCheckStarted,
        Self::SpotCheckResolved,
        Self::Approved,
        Self::Denied,
        Self::PaidOut,
        Self::Withdrawn,
    ];

    /// Stored form (the outbox's `kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "SUBMITTED",
            Self::SpotCheckStarted => "SPOT_CHECK_STARTED",
            Self::SpotCheckResolved => "SPOT_CHECK_RESOLVED",
            Self::Approved => "APPROVED",
            Self::Denied => "DENIED",
            Self::PaidOut => "PAID_OUT",
            Self::Withdrawn => "WITHDRAWN",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}
