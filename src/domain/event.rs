//! What an event of the outbox is about: the stream it belongs to (stored
//! form) and the row it concerns, typed so that a sale's event cannot name a
//! case's id.

use super::id::{CaseId, NotificationId, SaleId};
use super::notification::NotificationKind;
use super::nox_case::NoxStatus;
use super::sale::SaleEvent;

stored_enum! {
    /// The stream an event belongs to; each subscription follows one.
    #[derive(Hash)]
    pub enum Topic {
        /// The steps of invoice sales.
        InvoiceSale = "INVOICE_SALE",
        /// New notifications.
        Notification = "NOTIFICATION",
        /// Status changes of Nox Finans cases.
        NoxFinans = "NOX_FINANS",
    }
}

keyed_enum! {
    /// The row an event is about. Its variant names the topic, so the two
    /// are stored together and never disagree.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum About by Topic as topic {
        /// An invoice sale.
        Sale(SaleId) = InvoiceSale,
        /// A notification.
        Notification(NotificationId) = Notification,
        /// A Nox Finans case.
        Case(CaseId) = NoxFinans,
    }
}

/// An event as written: the row it is about and what happened to it, in the
/// vocabulary of its topic (a sale's step, a case's new status, a
/// notification's kind), so a case's status cannot be written as a sale's
/// step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happened {
    /// A step of an invoice sale.
    Sale(SaleId, SaleEvent),
    /// A Nox Finans case took a status.
    Case(CaseId, NoxStatus),
    /// A notification was made.
    Notification(NotificationId, NotificationKind),
}

impl Happened {
    /// What a stored event says happened; `None` for a kind its topic does
    /// not have in this version.
    pub fn read(about: About, kind: &str) -> Option<Self> {
        Some(match about {
            About::Sale(id) => Self::Sale(id, SaleEvent::parse(kind)?),
            About::Case(id) => Self::Case(id, NoxStatus::parse(kind)?),
            About::Notification(id) => Self::Notification(id, NotificationKind::parse(kind)?),
        })
    }

    /// The row it is about.
    pub fn about(self) -> About {
        match self {
            Self::Sale(id, _) => About::Sale(id),
            Self::Case(id, _) => About::Case(id),
            Self::Notification(id, _) => About::Notification(id),
        }
    }

    /// Its kind, as stored.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Sale(_, k) => k.as_str(),
            Self::Case(_, k) => k.as_str(),
            Self::Notification(_, k) => k.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_is_read_back_as_what_it_stored() {
        for topic in Topic::ALL {
            let about = About::of(topic, 42);
            assert_eq!((about.topic(), about.key()), (topic, 42), "{about:?}");
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
        }
        assert_eq!(About::of(Topic::NoxFinans, 7), About::Case(CaseId::new(7)));
        assert_eq!(Topic::parse("INVOICE"), None);
    }

    #[test]
    fn what_happened_is_read_back_in_its_topics_vocabulary() {
        let sale = About::Sale(SaleId::new(1));
        let case = About::Case(CaseId::new(2));
        for happened in [
            Happened::Sale(SaleId::new(1), SaleEvent::Approved),
            Happened::Case(CaseId::new(2), NoxStatus::Delivered),
            Happened::Notification(NotificationId::new(3), NotificationKind::SalePaidOut),
        ] {
            assert_eq!(
                Happened::read(happened.about(), happened.kind()),
                Some(happened)
            );
        }
        // A case's status is not a sale's step, nor the other way round.
        assert_eq!(Happened::read(sale, NoxStatus::Delivered.as_str()), None);
        assert_eq!(Happened::read(case, SaleEvent::Approved.as_str()), None);
        assert_eq!(Happened::read(sale, "REASSIGNED"), None);
    }
}
