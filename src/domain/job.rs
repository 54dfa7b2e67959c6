//! What the server does later, at a time the app clock names: the kinds of
//! background job (stored form).

stored_enum! {
    /// What a background job does.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum JobKind {
        /// Run spot-check selection and, without a check, the decision.
        ProcessSale = "PROCESS_SALE",
        /// Apply the default outcome to a spot check that was not resolved in time.
        SpotCheckDeadline = "SPOT_CHECK_DEADLINE",
        /// Pay out an approved sale on its payout date.
        Payout = "PAYOUT",
        /// Nox Finans accepts (and delivers) a submitted case.
        NoxAccept = "NOX_ACCEPT",
        /// Take a case's next timeline step when it is due.
        NoxStep = "NOX_STEP",
        /// Pay out money Nox Finans collected, on the next banking day.
        NoxPayout = "NOX_PAYOUT",
        /// Invoice the Nox Finans fees of a month that no payout covered.
        NoxFeeInvoice = "NOX_FEE_INVOICE",
    }
}
