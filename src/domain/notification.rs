//! What the notification bar tells a company: the kinds of notification the
//! server writes (stored form; the API shows the kind as a string).

/// A sale was sent and awaits the decision.
pub const SALE_SENT: &str = "SALE_SENT";
/// A sale was approved.
pub const SALE_APPROVED: &str = "SALE_APPROVED";
/// A sale was denied.
pub const SALE_DENIED: &str = "SALE_DENIED";
/// A sale was paid out.
pub const SALE_PAID_OUT: &str = "SALE_PAID_OUT";
/// A sale was withdrawn before the decision.
pub const SALE_WITHDRAWN: &str = "SALE_WITHDRAWN";
/// Invoice sale was activated or deactivated for the company.
pub const INVOICE_SALE_ACTIVATED: &str = "INVOICE_SALE_ACTIVATED";
/// Nox Finans accepted a handed-over invoice.
pub const NOX_ACCEPTED: &str = "NOX_ACCEPTED";
/// Nox Finans rejected a handed-over invoice.
pub const NOX_REJECTED: &str = "NOX_REJECTED";
/// A case ended at a step of its timeline; the invoice is the company's again.
pub const NOX_RETURNED: &str = "NOX_RETURNED";
/// Nox Finans fees no payout covered were invoiced.
pub const NOX_FEES_INVOICED: &str = "NOX_FEES_INVOICED";
