//! Subscription root: live events from the outbox, resumable with `after`.

use crate::domain::id::{CompanyId, InvoiceId};
use std::time::Duration;

use async_graphql::{Context, ID, Subscription};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use tokio::time::Instant;

use super::ids::{decode_cursor, decode_id};
use super::state;
use super::types::ledger::Notification;
use super::types::nox::{NoxFinansCase, NoxFinansEvent};
use super::types::sale::{InvoiceSale, InvoiceSaleEvent};
use crate::client_error::{GqlError, GqlResult};
use crate::domain::event::Topic;
use crate::error::AppError;
use crate::events::{EventFilter, HubEvent, Subject};
use crate::store::Actor;

/// Live events.
pub struct Subscription;

fn gql(e: AppError) -> async_graphql::Error {
    GqlError::from(e).0
}

/// Decodes a subscription's `invoiceId` and `after` arguments.
fn stream_args(
    invoice_id: Option<ID>,
    after: Option<String>,
) -> async_graphql::Result<(Option<InvoiceId>, Option<i64>)> {
    let invoice_id = invoice_id
        .map(|i| decode_id::<InvoiceId>(&i, "invoiceId"))
        .transpose()
        .map_err(gql)?;
    let after = after
        .map(|a| decode_cursor(&a, "after"))
        .transpose()
        .map_err(gql)?;
    Ok((invoice_id, after))
}

fn company_filter(actor: &Actor) -> Result<Option<CompanyId>, AppError> {
    match (actor.tenant(), actor.operator()) {
        (Ok(t), _) => Ok(Some(t.company_id())),
        (_, Ok(_)) => Ok(None),
        (Err(e), _) => Err(e),
    }
}

/// The event's subject. A database error (a restart, a dropped connection)
/// is tried again, waiting longer each time, for up to `retry_for`
/// (`EVENT_READ_RETRY_MS`); any other error, and the last database error,
/// comes back.
async fn subject_of(
    e: &HubEvent,
    db: &DatabaseConnection,
    retry_for: Duration,
) -> Result<Subject, AppError> {
    let deadline = Instant::now() + retry_for;
    let mut wait = Duration::from_millis(50);
    loop {
        match e.subject(db).await {
            Err(err @ AppError::Database { .. }) if Instant::now() + wait < deadline => {
                tracing::warn!(position = e.position, error = %err, "reading an event's subject failed; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

/// The events of `filter` after `after`, each with its subject (loaded once
/// per event for all subscribers) turned into a GraphQL value by `build`;
/// the execution's [`super::DeliveryMark`], if any, notes each event's commit
/// time. An event `build` cannot turn into a value (a kind this version does
/// not know, a subject gone) comes as an internal error in its place, and
/// the stream goes on: reading it again would fail again. An event whose
/// subject the database cannot read for `EVENT_READ_RETRY_MS` ends the
/// stream with the error, and so does a failed read of the outbox: the
/// subscriber resumes from its last cursor (`after`) and gets that event
/// then, where going on would move its cursor past the event for good.
fn live<T: Send + 'static>(
    ctx: &Context<'_>,
    filter: EventFilter,
    after: Option<i64>,
    build: fn(&HubEvent, Subject) -> Option<T>,
) -> impl Stream<Item = GqlResult<T>> + Send + use<T> {
    let st = state(ctx);
    let mark = ctx.data_opt::<super::DeliveryMark>().cloned();
    let db = st.db.clone();
    let retry_for = Duration::from_millis(st.settings.event_read_retry_ms);
    let items = st.events.clone().stream(filter, after).then(move |item| {
        let db = db.clone();
        let mark = mark.clone();
        // Boxed, so an idle subscription does not carry the query future's
        // space inline.
        Box::pin(async move {
            let e = match item {
                Ok(e) => e,
                Err(err) => return (Err(err.into()), true),
            };
            if let Some(m) = &mark {
                m.0.store(
                    e.row.at.timestamp_millis(),
                    std::sync::atomic::Ordering::Relaxed,
                );
            }
            let subject = match subject_of(&e, &db, retry_for).await {
                Ok(subject) => subject,
                Err(err @ AppError::Database { .. }) => return (Err(err.into()), true),
                Err(err) => return (Err(err.into()), false),
            };
            let value = build(&e, subject).ok_or_else(|| {
                AppError::Internal(format!("event {} is about something else", e.position)).into()
            });
            (value, false)
        })
    });
    async_stream::stream! {
        let mut items = Box::pin(items);
        while let Some((item, last)) = items.next().await {
            yield item;
            if last {
                break;
            }
        }
    }
}

/// Live events.
#[Subscription]
impl Subscription {
    /// Every step of the company's sales (SUBMITTED, SPOT_CHECK_STARTED,
    /// SPOT_CHECK_RESOLVED, APPROVED, DENIED, PAID_OUT), in order. Without
    /// `after` it starts now; with a cursor it first replays what came after it.
    /// Another company's `invoiceId` yields nothing, as an unknown one does.
    async fn invoice_sale_events(
        &self,
        ctx: &Context<'_>,
        invoice_id: Option<ID>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = GqlResult<InvoiceSaleEvent>> + use<>> {
        let actor = super::actor(ctx).map_err(gql)?.clone();
        let company_id = company_filter(&actor).map_err(gql)?;
        let (invoice_id, after) = stream_args(invoice_id, after)?;
        let filter = EventFilter {
            company_id,
            topic: Topic::InvoiceSale,
            invoice_id,
        };
        Ok(live(ctx, filter, after, |e, subject| match subject {
            // An unknown stored kind is logged where it is read, and the
            // subscriber gets an internal error in the event's place (see
            // `live`), never the event shown as another kind.
            Subject::Sale(sale) => InvoiceSaleEvent::new(e, InvoiceSale::from(sale)).ok(),
            _ => None,
        }))
    }

    /// Every status change of the company's Nox Finans cases, in order, from
    /// the outbox; resumable with `after`. Another company's `invoiceId` yields
    /// nothing, as an unknown one does.
    async fn nox_finans_events(
        &self,
        ctx: &Context<'_>,
        invoice_id: Option<ID>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = GqlResult<NoxFinansEvent>> + use<>> {
        let tenant = super::tenant(ctx).map_err(gql)?;
        let (invoice_id, after) = stream_args(invoice_id, after)?;
        let filter = EventFilter {
            company_id: Some(tenant.company_id()),
            topic: Topic::NoxFinans,
            invoice_id,
        };
        Ok(live(ctx, filter, after, |e, subject| match subject {
            // An unknown stored status is logged where it is read, and the
            // subscriber gets an internal error in the event's place (see
            // `live`), never the event shown as another status.
            Subject::Case(case) => NoxFinansEvent::new(e, NoxFinansCase(case)).ok(),
            _ => None,
        }))
    }

    /// The company's new notifications, in order; resumable with `after` (pass
    /// the notification event's cursor, see `notificationCursor`).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = GqlResult<NotificationEvent>> + use<>> {
        let tenant = super::tenant(ctx).map_err(gql)?;
        let (_, after) = stream_args(None, after)?;
        let filter = EventFilter {
            company_id: Some(tenant.company_id()),
            topic: Topic::Notification,
            invoice_id: None,
        };
        Ok(live(ctx, filter, after, |e, subject| match subject {
            Subject::Notification(n) => Some(NotificationEvent {
                cursor: super::ids::cursor(e.position),
                notification: Notification(n),
            }),
            _ => None,
        }))
    }
}

/// A new notification, with its position in the stream.
#[derive(async_graphql::SimpleObject)]
#[graphql(serial)]
pub struct NotificationEvent {
    /// Pass as `after` to resume after this notification.
    pub cursor: String,
    /// The notification.
    pub notification: Notification,
}
