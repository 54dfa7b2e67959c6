//! What an event of the outbox is about: the stream it belongs to (stored
//! form) and the row it concerns, typed so that a sale's event cannot name a
//! case's id.

use super::id::{CaseId, NotificationId, SaleId};

stored_enum! {
    /// The stream an event belongs to; each subscription follows one.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Topic {
        /// The steps of invoice sales.
        InvoiceSale = "INVOICE_SALE",
        /// New notifications.
        Notification = "NOTIFICATION",
        /// Status changes of Nox Finans cases.
        NoxFinans = "NOX_FINANS",
    }
}

/// The row an event is about. Its variant names the topic, so the two are
/// stored together and never disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum About {
    /// An invoice sale (topic `INVOICE_SALE`).
    Sale(SaleId),
    /// A notification (topic `NOTIFICATION`).
    Notification(NotificationId),
    /// A Nox Finans case (topic `NOX_FINANS`).
    Case(CaseId),
}

impl About {
    /// What a stored event is about: its topic and its subject's key.
    pub fn of(topic: Topic, subject: i64) -> Self {
        match topic {
            Topic::InvoiceSale => Self::Sale(SaleId::new(subject)),
            Topic::Notification => Self::Notification(NotificationId::new(subject)),
            Topic::NoxFinans => Self::Case(CaseId::new(subject)),
        }
    }

    /// Its topic, as stored.
    pub fn topic(self) -> Topic {
        match self {
            Self::Sale(_) => Topic::InvoiceSale,
            Self::Notification(_) => Topic::Notification,
            Self::Case(_) => Topic::NoxFinans,
        }
    }

    /// The key of the row it is about, as stored.
    pub fn subject(self) -> i64 {
        match self {
            Self::Sale(id) => id.get(),
            Self::Notification(id) => id.get(),
            Self::Case(id) => id.get(),
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
            assert_eq!((about.topic(), about.subject()), (topic, 42), "{about:?}");
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
        }
        assert_eq!(About::of(Topic::NoxFinans, 7), About::Case(CaseId::new(7)));
        assert_eq!(Topic::parse("INVOICE"), None);
    }
}
