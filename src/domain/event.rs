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
}
