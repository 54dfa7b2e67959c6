//! Nox Finans: which invoices may be handed over (green, yellow, red), the price
//! list, and the collection timeline. Pure functions over plain data.

use chrono::NaiveDate;

use super::address::Address;
use super::money::{HOME_CURRENCY, Ore};

mod prices;
pub use prices::*;

stored_enum! {
    /// Which Nox Finans service an invoice is handed to.
    pub enum Service {
        /// Fakturaservice: Nox Finans sends the invoice and runs the whole process.
        InvoiceService = "INVOICE_SERVICE",
        /// Påminnelseservice: handed over once overdue; starts at the reminder.
        ReminderService = "REMINDER_SERVICE",
    }
}

stored_enum! {
    /// How Nox Finans delivers the invoice.
    pub enum Delivery {
        /// By letter.
        Letter = "LETTER",
        /// By e-mail.
        Email = "EMAIL",
    }
}

/// How an invoice is handed over: its service, its delivery, and whether the
/// case comes back to the company instead of going to long-term monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handover {
    /// The service.
    pub service: Service,
    /// The delivery.
    pub delivery: Delivery,
    /// Recall instead of long-term monitoring.
    pub recall_instead_of_monitoring: bool,
}

impl Handover {
    /// Whether a batch sent again under the key of this hand-over asks for
    /// another one: `None` when it asks for the same, else the finding
    /// `KEY_REUSED` naming the first field that differs. A delivery or recall
    /// choice left out takes the settings' and is not compared, so a retry
    /// after the settings changed is still the same request.
    pub fn differs(
        &self,
        service: Service,
        delivery: Option<Delivery>,
        recall_instead_of_monitoring: Option<bool>,
    ) -> Option<Finding> {
        let field = if service != self.service {
            "service"
        } else if delivery.is_some_and(|d| d != self.delivery) {
            "delivery"
        } else if recall_instead_of_monitoring
            .is_some_and(|r| r != self.recall_instead_of_monitoring)
        {
            "recallInsteadOfMonitoring"
        } else {
            return None;
        };
        Some(finding(
            "KEY_REUSED",
            "this idempotency key handed the invoice over with another service, delivery or recall choice; a new hand-over needs a new key",
            Some(field),
        ))
    }
}

/// The colour of a row in the send view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Colour {
    /// May be sent.
    Green,
    /// May be sent; complete the data first if you can.
    Yellow,
    /// May not be sent until completed.
    Red,
}

/// A rule's finding: a stable code, a sentence, and the field to complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable code.
    pub code: &'static str,
    /// A sentence for the user.
    pub message: &'static str,
    /// The field to complete, when there is one.
    pub field: Option<&'static str>,
}

const fn finding(
    code: &'static str,
    message: &'static str,
    field: Option<&'static str>,
) -> Finding {
    Finding {
        code,
        message,
        field,
    }
}

/// Everything the rules look at.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Balance in öre.
    pub balance_ore: Ore,
    /// The house-work tax reduction, for a ROT/RUT invoice.
    pub house_work_deductible_ore: Option<Ore>,
    /// Cancelled.
    pub cancelled: bool,
    /// Marked "not completed".
    pub not_completed: bool,
    /// `INVOICE`, `CASH` or `INTEREST`.
    pub invoice_type: super::invoice::InvoiceType,
    /// ISO currency.
    pub currency: String,
    /// Terms of payment code.
    pub terms_of_payment: String,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Customer name as printed on the invoice.
    pub customer_name: Option<String>,
    /// Invoice address as printed.
    pub address: Address,
    /// The customer's e-mail.
    pub email: Option<String>,
    /// The customer's phone.
    pub phone: Option<String>,
    /// The customer's organisation number or personnummer.
    pub identity_number: Option<String>,
    /// A live sale of the invoice exists.
    pub sold: bool,
    /// The invoice is already with Nox Finans.
    pub handed_over: bool,
}

/// The company's Nox Finans settings the rules need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Terms-of-payment codes active in Nox Finans.
    pub active_terms: Vec<String>,
}

/// The verdict on one invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Colour.
    pub colour: Colour,
    /// Why it is red: one finding per failed rule.
    pub blockers: Vec<Finding>,
    /// Why it is yellow (may accompany red).
    pub warnings: Vec<Finding>,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|v| v.trim().is_empty())
}

/// The rules of the send view: the eleven of the Nox Finans criteria, those that
/// follow from the service and delivery, and the warnings. The same function
/// colours the view and guards sending.
pub fn assess(
    c: &Candidate,
    s: &Settings,
    service: Service,
    delivery: Delivery,
    today: NaiveDate,
) -> Assessment {
    let mut blockers = Vec::new();
    let mut warnings = Vec::new();
    let mut block = |cond: bool, f: Finding| {
        if cond {
            blockers.push(f);
        }
    };
    block(
        !c.balance_ore.is_positive(),
        finding(
            "BALANCE_NOT_POSITIVE",
            "the invoice balance must be greater than 0 SEK",
            None,
        ),
    );
    block(
        c.house_work_deductible_ore
            .is_some_and(|d| c.balance_ore <= d),
        finding(
            "HOUSE_WORK_BALANCE",
            "a house-work invoice must have a balance greater than the tax reduction",
            None,
        ),
    );
    block(
        c.cancelled,
        finding("CANCELLED", "the invoice is cancelled", None),
    );
    block(
        c.not_completed,
        finding(
            "NOT_COMPLETED",
            "the invoice is marked not completed",
            Some("notCompleted"),
        ),
    );
    block(
        c.invoice_type == super::invoice::InvoiceType::Cash,
        finding(
            "CASH_INVOICE",
            "cash invoices cannot be sent via Nox Finans",
            None,
        ),
    );
    block(
        c.invoice_type == super::invoice::InvoiceType::Interest,
        finding(
            "INTEREST_INVOICE",
            "interest invoices cannot be sent via Nox Finans",
            None,
        ),
    );
    block(
        c.currency != HOME_CURRENCY,
        finding(
            "CURRENCY_NOT_SEK",
            "the invoice must be in SEK",
            Some("currency"),
        ),
    );
    block(
        !s.active_terms.contains(&c.terms_of_payment),
        finding(
            "TERMS_NOT_ACTIVE",
            "the terms of payment are not active in your Nox Finans settings",
            Some("termsOfPayment"),
        ),
    );
    block(
        c.invoice_date > today,
        finding(
            "INVOICE_DATE_IN_FUTURE",
            "the invoice date is in the future",
            Some("invoiceDate"),
        ),
    );
    block(
        blank(&c.customer_name),
        finding(
            "CUSTOMER_NAME_MISSING",
            "the invoice has no customer name",
            Some("customerName"),
        ),
    );
    block(
        blank(&c.address.postal_code) || blank(&c.address.city),
        finding(
            "ADDRESS_INCOMPLETE",
            "the invoice address needs a postal code and a city",
            Some("invoiceAddress"),
        ),
    );
    block(
        service == Service::ReminderService && c.due_date >= today,
        finding(
            "NOT_OVERDUE",
            "the reminder service takes invoices only once they are overdue",
            Some("dueDate"),
        ),
    );
    block(
        delivery == Delivery::Email && blank(&c.email),
        finding(
            "EMAIL_REQUIRED",
            "e-mail delivery needs the customer's e-mail address",
            Some("email"),
        ),
    );
    block(
        c.sold,
        finding("ALREADY_SOLD", "the invoice has been sold", None),
    );
    block(
        c.handed_over,
        finding(
            "ALREADY_HANDED_OVER",
            "the invoice is already with Nox Finans",
            None,
        ),
    );

    let mut warn = |cond: bool, f: Finding| {
        if cond {
            warnings.push(f);
        }
    };
    warn(
        delivery == Delivery::Letter && blank(&c.email),
        finding(
            "EMAIL_MISSING",
            "the customer has no e-mail address: no e-mail notice can be sent",
            Some("email"),
        ),
    );
    warn(
        blank(&c.identity_number),
        finding(
            "IDENTITY_NUMBER_MISSING",
            "the customer has no organisation or personal number: debt collection will need it",
            Some("organisationNumber"),
        ),
    );
    warn(
        blank(&c.phone),
        finding(
            "PHONE_MISSING",
            "the customer has no phone number",
            Some("phone"),
        ),
    );
    warn(
        !blank(&c.address.postal_code) && blank(&c.address.street),
        finding(
            "STREET_MISSING",
            "the invoice address has no street",
            Some("invoiceAddress"),
        ),
    );
    let colour = if !blockers.is_empty() {
        Colour::Red
    } else if !warnings.is_empty() {
        Colour::Yellow
    } else {
        Colour::Green
    };
    Assessment {
        colour,
        blockers,
        warnings,
    }
}

#[cfg(test)]
mod tests;
