//! What the server does later, at a time the app clock names: the kinds of
//! background job (stored form), and each job's task with the row it acts on.

use super::id::{CaseId, CompanyId, SaleId};

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

/// A job's work and the row it acts on. The kind names the row's type: a
/// payout is scheduled for a sale's id and no other, and the worker hands the
/// service the id typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Process a submitted sale.
    ProcessSale(SaleId),
    /// Resolve a sale's spot check that ran out of time.
    SpotCheckDeadline(SaleId),
    /// Pay out an approved sale.
    Payout(SaleId),
    /// Nox Finans accepts a submitted case.
    NoxAccept(CaseId),
    /// A case's next timeline step.
    NoxStep(CaseId),
    /// Pay out what Nox Finans collected on a case.
    NoxPayout(CaseId),
    /// Invoice a company's unsettled Nox Finans fees.
    NoxFeeInvoice(CompanyId),
}

impl Task {
    /// The task a stored job holds: its kind and its subject's key.
    pub fn of(kind: JobKind, subject: i64) -> Self {
        match kind {
            JobKind::ProcessSale => Self::ProcessSale(SaleId::new(subject)),
            JobKind::SpotCheckDeadline => Self::SpotCheckDeadline(SaleId::new(subject)),
            JobKind::Payout => Self::Payout(SaleId::new(subject)),
            JobKind::NoxAccept => Self::NoxAccept(CaseId::new(subject)),
            JobKind::NoxStep => Self::NoxStep(CaseId::new(subject)),
            JobKind::NoxPayout => Self::NoxPayout(CaseId::new(subject)),
            JobKind::NoxFeeInvoice => Self::NoxFeeInvoice(CompanyId::new(subject)),
        }
    }

    /// Its kind, as stored.
    pub fn kind(self) -> JobKind {
        match self {
            Self::ProcessSale(_) => JobKind::ProcessSale,
            Self::SpotCheckDeadline(_) => JobKind::SpotCheckDeadline,
            Self::Payout(_) => JobKind::Payout,
            Self::NoxAccept(_) => JobKind::NoxAccept,
            Self::NoxStep(_) => JobKind::NoxStep,
            Self::NoxPayout(_) => JobKind::NoxPayout,
            Self::NoxFeeInvoice(_) => JobKind::NoxFeeInvoice,
        }
    }

    /// The key of the row it acts on, as stored.
    pub fn subject(self) -> i64 {
        match self {
            Self::ProcessSale(id) | Self::SpotCheckDeadline(id) | Self::Payout(id) => id.get(),
            Self::NoxAccept(id) | Self::NoxStep(id) | Self::NoxPayout(id) => id.get(),
            Self::NoxFeeInvoice(id) => id.get(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_read_back_as_the_task_it_stored() {
        for kind in JobKind::ALL {
            let task = Task::of(kind, 42);
            assert_eq!((task.kind(), task.subject()), (kind, 42), "{task:?}");
        }
    }
}
