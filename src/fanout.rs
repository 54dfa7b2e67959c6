//! Identical subscriptions share one execution per event.
//!
//! When many WebSocket subscribers of one company run the same subscription
//! document with the same variables (a notification bar open in every
//! browser tab of a company), the instance runs it once: the first subscriber
//! starts the execution, each event's response is serialised once, and every
//! subscriber of the same key receives that text and writes it to its own
//! socket. The key holds the company and the role, so a shared execution only
//! ever serves callers who would see exactly the same data. A subscription
//! that resumes from a cursor (`after`) replays its own history and is never
//! shared.

use crate::domain::id::CompanyId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::Response;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::broadcast;

use crate::store::{Actor, Role};

/// How many deliveries a subscriber may fall behind a shared execution before
/// it is told to resume from its last cursor.
pub const BACKLOG: usize = 1024;

/// What a shared execution hands its subscribers.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// A response, serialised (`{"data": …}`), and the commit time (ms) of
    /// the event it answers (0: unknown).
    Next(Arc<str>, i64),
    /// The request was refused before it ran: its errors, serialised.
    Refused(Arc<str>),
    /// The stream ended.
    Complete,
}

/// What makes two subscriptions identical.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    query: String,
    operation: Option<String>,
    variables: String,
    company: Option<CompanyId>,
    role: Role,
}

impl Key {
    /// The key of a subscription request by `actor`, or `None` when it may not
    /// share (it resumes from a cursor, or its variables cannot be keyed).
    pub fn of(request: &async_graphql::Request, actor: &Actor) -> Option<Self> {
        let variables = serde_json::to_string(&request.variables).ok()?;
        if request.query.contains("after") || variables.contains("after") {
            return None;
        }
        Some(Self {
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            variables,
            company: actor.tenant().ok().map(|t| t.company_id()),
            role: actor.role,
        })
    }
}

/// The shared executions of one instance.
#[derive(Debug, Default)]
pub struct Fanout {
    running: Mutex<HashMap<Key, broadcast::Sender<Delivery>>>,
}

impl Fanout {
    /// Joins the running execution of `key`, or starts one with `start`.
    pub fn join(
        self: &Arc<Self>,
        key: Key,
        start: impl FnOnce() -> BoxStream<'static, (Response, i64)>,
    ) -> broadcast::Receiver<Delivery> {
        let Ok(mut running) = self.running.lock() else {
            // A poisoned registry: run unshared rather than fail.
            let (tx, rx) = broadcast::channel(BACKLOG);
            tokio::spawn(drive(None, key, tx, start()));
            return rx;
        };
        if let Some(tx) = running.get(&key) {
            return tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(BACKLOG);
        running.insert(key.clone(), tx.clone());
        tokio::spawn(drive(Some(self.clone()), key, tx, start()));
        rx
    }

    /// How many executions are running.
    pub fn running(&self) -> usize {
        self.running.lock().map(|r| r.len()).unwrap_or(0)
    }

    /// Forgets `tx`'s execution when nobody listens any more (or `ended`);
    /// whether it was forgotten.
    fn forget(&self, key: &Key, tx: &broadcast::Sender<Delivery>, ended: bool) -> bool {
        let Ok(mut running) = self.running.lock() else {
            return true;
        };
        // Joins happen under this lock, so the count cannot rise meanwhile.
        if !ended && tx.receiver_count() > 0 {
            return false;
        }
        if running.get(key).is_some_and(|t| t.same_channel(tx)) {
            running.remove(key);
        }
        true
    }
}

async fn drive(
    registry: Option<Arc<Fanout>>,
    key: Key,
    tx: broadcast::Sender<Delivery>,
    mut stream: BoxStream<'static, (Response, i64)>,
) {
    let forget = |ended: bool| registry.as_ref().is_none_or(|r| r.forget(&key, &tx, ended));
    while let Some((mut resp, at_ms)) = stream.next().await {
        crate::client_error::classify(&mut resp);
        let refused = crate::client_error::is_request_error(&resp);
        let delivery = if refused {
            Delivery::Refused(
                serde_json::to_string(&resp.errors)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            )
        } else {
            Delivery::Next(
                serde_json::to_string(&resp)
                    .unwrap_or_else(|_| r#"{"data":null}"#.into())
                    .into(),
                at_ms,
            )
        };
        if tx.send(delivery).is_err() && forget(false) {
            return;
        }
        if refused {
            forget(true);
            return;
        }
    }
    forget(true);
    let _ = tx.send(Delivery::Complete);
}
