//! A Nox Finans case as a typed state machine, and the money of a case: interest
//! day by day on what was outstanding, how a payment through Nox Finans is
//! split, and how a payout sets off the company's Nox Finans fees.
//!
//! The store applies a transition only to rows whose status is one the table
//! allows, atomically, so two workers or a worker and a request racing for one
//! case cannot both move it.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money::{Ore, from_ore, round_ore, to_ore};
use super::nox::{ReferenceRates, step_date};

stored_enum! {
    /// Where a case stands.
    #[derive(Hash)]
    pub enum NoxStatus {
        /// Waiting for Nox Finans to accept.
        Submitted = "SUBMITTED",
        /// Refused by Nox Finans; the invoice is free again.
        Rejected = "REJECTED",
        /// Accepted.
        Accepted = "ACCEPTED",
        /// Delivered to the customer by letter or e-mail.
        Delivered = "DELIVERED",
        /// E-mail notice after the due date (no fee).
        OverdueNoticeSent = "OVERDUE_NOTICE_SENT",
        /// Reminder sent, with a fee.
        ReminderSent = "REMINDER_SENT",
        /// Debt collection notice sent.
        DebtCollection = "DEBT_COLLECTION",
        /// Long-term monitoring.
        LongTermMonitoring = "LONG_TERM_MONITORING",
        /// The customer's part is paid.
        Paid = "PAID",
        /// Recalled; the invoice is free again.
        Recalled = "RECALLED",
        /// Fully credited by a credit note.
        Credited = "CREDITED",
    }
}

impl NoxStatus {
    /// Nox Finans holds the invoice: from submission until paid, credited,
    /// recalled or rejected.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Self::Rejected | Self::Paid | Self::Recalled | Self::Credited
        )
    }

    /// Accepted and not yet closed: the timeline runs, it can be paused.
    pub fn is_running(self) -> bool {
        self.is_open() && self != Self::Submitted
    }

    /// The customer is charged late-payment interest (from the reminder on).
    pub fn claims_interest(self) -> bool {
        matches!(
            self,
            Self::ReminderSent | Self::DebtCollection | Self::LongTermMonitoring
        )
    }

    /// Offset of the status from the due date on the normal timeline, in days.
    fn offset(self) -> u64 {
        match self {
            Self::OverdueNoticeSent => NOTICE_DAYS,
            Self::ReminderSent => REMINDER_DAYS,
            Self::DebtCollection => DEBT_COLLECTION_DAYS,
            Self::LongTermMonitoring => LONG_TERM_DAYS,
            _ => 0,
        }
    }
}

/// Timeline steps, counted in days after the due date.
pub const NOTICE_DAYS: u64 = 2;
/// Reminder.
pub const REMINDER_DAYS: u64 = 7;
/// Debt collection notice.
pub const DEBT_COLLECTION_DAYS: u64 = 14;
/// Long-term monitoring (or the recall that replaces it).
pub const LONG_TERM_DAYS: u64 = 32;

/// What can happen to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseEvent {
    /// Nox Finans accepts the invoice.
    Accept,
    /// Nox Finans refuses it.
    Reject,
    /// Nox Finans delivers it (invoice service).
    Deliver,
    /// A timeline step.
    Step(Step),
    /// The customer's part is paid in full.
    Pay,
    /// The invoice is credited in full.
    Credit,
    /// The company recalls the case.
    Recall,
    /// Pause, resume or a part-payment: the status stays.
    Touch,
}

/// A step of the collection timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// E-mail notice, no fee.
    OverdueNotice,
    /// Reminder, with a fee (the reminder service starts here).
    Reminder,
    /// Debt collection notice, with a fee.
    DebtCollection,
    /// Long-term monitoring.
    LongTermMonitoring,
    /// The case comes back to the company instead of long-term monitoring.
    ReturnToCompany,
}

impl Step {
    /// The status the step leads to.
    pub fn status(self) -> NoxStatus {
        match self {
            Self::OverdueNotice => NoxStatus::OverdueNoticeSent,
            Self::Reminder => NoxStatus::ReminderSent,
            Self::DebtCollection => NoxStatus::DebtCollection,
            Self::LongTermMonitoring => NoxStatus::LongTermMonitoring,
            Self::ReturnToCompany => NoxStatus::Recalled,
        }
    }
    /// How the next event is shown.
    pub fn label(self) -> &'static str {
        match self {
            Self::OverdueNotice => "Overdue notice by e-mail",
            Self::Reminder => "Reminder",
            Self::DebtCollection => "Debt collection notice",
            Self::LongTermMonitoring => "Long-term monitoring",
            Self::ReturnToCompany => "Return to you instead of long-term monitoring",
        }
    }
    /// Days after the due date at which the step normally comes.
    pub fn days(self) -> u64 {
        match self {
            Self::OverdueNotice => NOTICE_DAYS,
            Self::Reminder => REMINDER_DAYS,
            Self::DebtCollection => DEBT_COLLECTION_DAYS,
            Self::LongTermMonitoring | Self::ReturnToCompany => LONG_TERM_DAYS,
        }
    }
    /// The fee the customer is charged at the step: a private person pays the
    /// reminder and debt collection fees, a business one late-payment
    /// compensation at the reminder instead of both.
    pub fn customer_fee(self, business: bool) -> Ore {
        use super::nox::price;
        match (self, business) {
            (Self::Reminder, true) => price("LATE_PAYMENT_COMPENSATION"),
            (Self::Reminder, false) => price("REMINDER_FEE"),
            (Self::DebtCollection, false) => price("DEBT_COLLECTION_FEE"),
            _ => Ore::ZERO,
        }
    }
}

/// The status after `event`, or `None` when the event is not allowed from
/// `current`: the transition table.
pub fn next_status(current: NoxStatus, event: CaseEvent) -> Option<NoxStatus> {
    use NoxStatus::*;
    match (current, event) {
        (Submitted, CaseEvent::Accept) => Some(Accepted),
        (Submitted, CaseEvent::Reject) => Some(Rejected),
        (Accepted, CaseEvent::Deliver) => Some(Delivered),
        (Delivered, CaseEvent::Step(Step::OverdueNotice)) => Some(OverdueNoticeSent),
        (Accepted | Delivered | OverdueNoticeSent, CaseEvent::Step(Step::Reminder)) => {
            Some(ReminderSent)
        }
        (ReminderSent, CaseEvent::Step(Step::DebtCollection)) => Some(DebtCollection),
        (
            ReminderSent | DebtCollection,
            CaseEvent::Step(s @ (Step::LongTermMonitoring | Step::ReturnToCompany)),
        ) => Some(s.status()),
        (s, CaseEvent::Pay) if s.is_open() => Some(Paid),
        (s, CaseEvent::Credit) if s.is_open() => Some(Credited),
        (s, CaseEvent::Recall) if s.is_open() => Some(Recalled),
        (s, CaseEvent::Touch) if s.is_running() => Some(s),
        _ => None,
    }
}

/// The statuses from which `event` is allowed.
pub fn allowed_from(event: CaseEvent) -> Vec<NoxStatus> {
    NoxStatus::ALL
        .into_iter()
        .filter(|s| next_status(*s, event).is_some())
        .collect()
}

/// What the next step depends on.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacts {
    /// Current status.
    pub status: NoxStatus,
    /// Due date.
    pub due: NaiveDate,
    /// The customer has an e-mail address.
    pub has_email: bool,
    /// The customer has an organisation or personal number.
    pub has_identity: bool,
    /// The day the case reached its current status.
    pub since: NaiveDate,
    /// Recall instead of long-term monitoring.
    pub recall_instead_of_monitoring: bool,
}

/// The next step of a case and its date, or `None` at the end of the line.
/// Steps keep their spacing after a late hand-over: the date is the normal one
/// or, if later, the same distance after the current status was reached.
pub fn next_step(f: CaseFacts) -> Option<(Step, NaiveDate)> {
    use NoxStatus::*;
    let end = if f.recall_instead_of_monitoring {
        Step::ReturnToCompany
    } else {
        Step::LongTermMonitoring
    };
    let step = match f.status {
        Delivered if f.has_email => Step::OverdueNotice,
        Delivered | OverdueNoticeSent => Step::Reminder,
        ReminderSent if f.has_identity => Step::DebtCollection,
        ReminderSent | DebtCollection => end,
        _ => return None,
    };
    let n = step.days();
    let spacing = n.saturating_sub(f.status.offset());
    Some((step, step_date(f.due, n).max(step_date(f.since, spacing))))
}

/// Something that lowered what the customer owed, on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reduction {
    /// The day (a payment's paid-on date, a credit note's date).
    pub on: NaiveDate,
    /// How much it took off the claim, in öre.
    pub ore: Ore,
}

/// Late-payment interest on a claim from the day after `due` through `until`:
/// each day on what was outstanding that day (the claim less the reductions made
/// before that day) at that day's reference rate (from `rates`) + 8
/// percentage points, / 365; rounded to öre once, at the end (the one
/// rounding point is `money::round_ore`).
pub fn accrued_interest_ore(
    rates: &ReferenceRates,
    claim_ore: Ore,
    reductions: &[Reduction],
    due: NaiveDate,
    until: NaiveDate,
) -> Ore {
    if until <= due {
        return Ore::ZERO;
    }
    let mut sorted: Vec<Reduction> = reductions.to_vec();
    sorted.sort_by_key(|r| r.on);
    let mut total = Decimal::ZERO;
    let mut day = due;
    let mut next = 0;
    let mut outstanding = claim_ore;
    while day < until {
        let Some(d) = day.succ_opt() else { break };
        day = d;
        while next < sorted.len() && sorted[next].on < day {
            outstanding -= sorted[next].ore;
            next += 1;
        }
        if outstanding.is_positive() {
            let rate = Decimal::new(rates.bp_on(day) + 800, 4);
            total += from_ore(outstanding) * rate / Decimal::from(365);
        }
    }
    to_ore(round_ore(total)).unwrap_or(Ore::ZERO)
}

/// How a payment through Nox Finans is applied: the invoice first, then the
/// customer's fees, then interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allocation {
    /// Towards the invoice.
    pub capital_ore: Ore,
    /// Towards reminder and collection fees.
    pub fees_ore: Ore,
    /// Towards interest.
    pub interest_ore: Ore,
}

impl Allocation {
    /// The whole payment.
    pub fn total(&self) -> Ore {
        self.capital_ore + self.fees_ore + self.interest_ore
    }
}

/// Splits `amount` over what is owed; `None` when it is more than is owed.
pub fn allocate(
    amount_ore: Ore,
    capital_owed: Ore,
    fees_owed: Ore,
    interest_owed: Ore,
) -> Option<Allocation> {
    let (capital_owed, fees_owed, interest_owed) = (
        capital_owed.max(Ore::ZERO),
        fees_owed.max(Ore::ZERO),
        interest_owed.max(Ore::ZERO),
    );
    if !amount_ore.is_positive() || amount_ore > capital_owed + fees_owed + interest_owed {
        return None;
    }
    let capital = amount_ore.min(capital_owed);
    let fees = (amount_ore - capital).min(fees_owed);
    let interest = amount_ore - capital - fees;
    Some(Allocation {
        capital_ore: capital,
        fees_ore: fees,
        interest_ore: interest,
    })
}

/// Long-term monitoring keeps this share of what it recovers, per mille.
pub const LONG_TERM_SHARE_PERMILLE: i64 = 200;

/// What Nox Finans keeps of a collection made in `status`.
pub fn kept_of_collection(status: NoxStatus, collected_ore: Ore) -> Ore {
    if status == NoxStatus::LongTermMonitoring {
        collected_ore.share(LONG_TERM_SHARE_PERMILLE, 1000)
    } else {
        Ore::ZERO
    }
}

/// A payout of `pending_ore` collected money: the company's unsettled Nox
/// Finans fees are set off first, the rest leaves. Returns (set off, paid out).
pub fn payout_split(pending_ore: Ore, fees_due_ore: Ore) -> (Ore, Ore) {
    let set_off = fees_due_ore.clamp(Ore::ZERO, pending_ore.max(Ore::ZERO));
    (set_off, pending_ore.max(Ore::ZERO) - set_off)
}

/// The most days a case can be paused, in total.
pub const MAX_PAUSE_DAYS: i64 = 60;

#[cfg(test)]
mod tests;
