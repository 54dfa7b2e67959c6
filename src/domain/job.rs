//! What the server does later, at a time the app clock names: the kinds of
//! background job (stored form), and each job's task with the row it acts on.

use super::id::{CaseId, CompanyId, SaleId};

stored_enum! {
    /// What a background job does.
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

keyed_enum! {
    /// A job's work and the row it acts on. The kind names the row's type: a
    /// payout is scheduled for a sale's id and no other, and the worker hands
    /// the service the id typed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Task by JobKind as kind {
        /// Process a submitted sale.
        ProcessSale(SaleId) = ProcessSale,
        /// Resolve a sale's spot check that ran out of time.
        SpotCheckDeadline(SaleId) = SpotCheckDeadline,
        /// Pay out an approved sale.
        Payout(SaleId) = Payout,
        /// Nox Finans accepts a submitted case.
        NoxAccept(CaseId) = NoxAccept,
        /// A case's next timeline step.
        NoxStep(CaseId) = NoxStep,
        /// Pay out what Nox Finans collected on a case.
        NoxPayout(CaseId) = NoxPayout,
        /// Invoice a company's unsettled Nox Finans fees.
        NoxFeeInvoice(CompanyId) = NoxFeeInvoice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_read_back_as_the_task_it_stored() {
        for kind in JobKind::ALL {
            let task = Task::of(kind, 42);
            assert_eq!((task.kind(), task.key()), (kind, 42), "{task:?}");
        }
    }
}
