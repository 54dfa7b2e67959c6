//! What the notification bar tells a company: the kinds of notification the
//! server writes (stored form; the API shows the kind as a string).

stored_enum! {
    /// What a notification is about.
    pub enum NotificationKind {
        /// A sale was sent and awaits the decision.
        SaleSent = "SALE_SENT",
        /// A sale was approved.
        SaleApproved = "SALE_APPROVED",
        /// A sale was denied.
        SaleDenied = "SALE_DENIED",
        /// A sale was paid out.
        SalePaidOut = "SALE_PAID_OUT",
        /// A sale was withdrawn before the decision.
        SaleWithdrawn = "SALE_WITHDRAWN",
        /// Invoice sale was activated or deactivated for the company.
        InvoiceSaleActivated = "INVOICE_SALE_ACTIVATED",
        /// Nox Finans accepted a handed-over invoice.
        NoxAccepted = "NOX_ACCEPTED",
        /// Nox Finans rejected a handed-over invoice.
        NoxRejected = "NOX_REJECTED",
        /// A case ended at a step of its timeline; the invoice is the company's again.
        NoxReturned = "NOX_RETURNED",
        /// Nox Finans fees no payout covered were invoiced.
        NoxFeesInvoiced = "NOX_FEES_INVOICED",
        /// What Nox Finans collected for an invoice was paid out to the company.
        NoxPaidOut = "NOX_PAID_OUT",
    }
}
