//! The decision on a sale: approved, or denied with reasons.

use super::*;
use crate::domain::money::Ore;

/// What the decision needs to know.
#[derive(Debug, Clone)]
pub struct DecisionFacts {
    /// The sale facts, re-read at decision time.
    pub sale: SaleFacts,
    /// The agreement at decision time.
    pub agreement: Option<Agreement>,
    /// The amount of the sale as requested.
    pub amount_ore: Ore,
    /// The spot check: the rule that selected the sale (`None`: a rule this
    /// version does not know) and the outcome.
    pub spot_check: Option<(Option<&'static SpotCheckRule>, SpotCheckOutcome)>,
    /// The recipient has sold invoices that are overdue.
    pub recipient_has_overdue_sold: bool,
}

/// The financier's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Buy the invoice.
    Approve,
    /// Do not buy it, for this reason.
    Deny(Reason),
}

/// Decides a sale. The first failing check denies; otherwise approve.
///
/// Default outcome of an unanswered spot check (NO_ANSWER, also applied at the
/// deadline): a routine sample is approved; a check selected by a risk rule
/// (first sales, new recipient, large amount) is denied, since the risk it was
/// meant to clear remains, and so is one selected by a rule this version
/// does not know, since it is not known to be routine.
pub fn decide(f: &DecisionFacts) -> Decision {
    if let Some((rule, outcome)) = f.spot_check {
        match outcome {
            SpotCheckOutcome::Disputed => {
                return Decision::Deny(disputed());
            }
            SpotCheckOutcome::NoAnswer if !rule.is_some_and(|r| r.unanswered_approves) => {
                return Decision::Deny(Reason::new(
                    "SPOT_CHECK_UNANSWERED",
                    "we could not reach the recipient to confirm the invoice",
                ));
            }
            _ => {}
        }
    }
    let a = match f.agreement {
        Some(a) if a.active => a,
        _ => {
            return Decision::Deny(Reason::new(
                reason::INVOICE_SALE_NOT_ACTIVE,
                "the invoice-sale agreement is no longer active",
            ));
        }
    };
    let s = &f.sale;
    if s.cancelled
        || s.not_completed
        || s.currency != HOME_CURRENCY
        || s.invoice_type != InvoiceType::Invoice
    {
        return Decision::Deny(Reason::new(
            "INVOICE_CHANGED",
            "the invoice no longer qualifies for sale",
        ));
    }
    if sold_amount(s.balance_ore, s.house_work_deductible_ore) != f.amount_ore {
        return Decision::Deny(Reason::new(
            "INVOICE_CHANGED",
            "the invoice's balance changed after it was offered for sale",
        ));
    }
    if let Some(over) = over_limits(
        s.customer_outstanding_ore,
        s.total_outstanding_ore,
        f.amount_ore,
        &a,
    )
    .next()
    {
        return Decision::Deny(over);
    }
    if s.handed_to_nox {
        return Decision::Deny(handed_to_nox());
    }
    if f.recipient_has_overdue_sold {
        return Decision::Deny(recipient_overdue());
    }
    Decision::Approve
}

/// The agreement's limits a sale of `amount_ore` would exceed, the
/// customer's first: the quote lists both, the decision denies on the first.
pub(super) fn over_limits(
    customer_outstanding_ore: Ore,
    total_outstanding_ore: Ore,
    amount_ore: Ore,
    a: &Agreement,
) -> impl Iterator<Item = Reason> {
    let customer = (customer_outstanding_ore + amount_ore > a.customer_limit_ore).then(|| {
        Reason::new(
            "CUSTOMER_LIMIT_EXCEEDED",
            format!(
                "the sold amount to this customer would exceed the limit of {} SEK",
                from_ore(a.customer_limit_ore)
            ),
        )
    });
    let total = (total_outstanding_ore + amount_ore > a.total_limit_ore).then(|| {
        Reason::new(
            "TOTAL_LIMIT_EXCEEDED",
            format!(
                "your total sold amount would exceed the limit of {} SEK",
                from_ore(a.total_limit_ore)
            ),
        )
    });
    customer.into_iter().chain(total)
}

/// Why a sale whose recipient disputed the invoice at its spot check is denied.
pub fn disputed() -> Reason {
    Reason::new(
        "SPOT_CHECK_DISPUTED",
        "the recipient disputed the invoice when we called to confirm it",
    )
}

/// Why an invoice that Nox Finans holds is not bought.
pub(super) fn handed_to_nox() -> Reason {
    Reason::new(
        "HANDED_TO_NOX_FINANS",
        "the invoice has been handed to Nox Finans",
    )
}

pub(super) fn recipient_overdue() -> Reason {
    Reason::new(
        "RECIPIENT_OVERDUE",
        "the customer has invoices we bought that are past due and not yet paid to us",
    )
}
