//! A connection's subscriptions: starting one, ending one, and sending what
//! it yields in the connection's protocol.

use super::*;

impl Conn {
    pub(super) async fn start(
        &mut self,
        id: String,
        request: async_graphql::Request,
        session: Arc<Data>,
    ) -> Result<(), End> {
        if let Some(actor) = &self.actor
            && let Err(wait) = self.app.limits.check_token(actor.token_id)
        {
            let error = json!([{
                "message": format!("too many requests; try again in {} s", wait.seconds()),
                "extensions": {"code": ErrorCode::RateLimited.as_str(), "retryAfter": wait.seconds()},
            }]);
            return self.send_error(&id, error).await;
        }
        if self.subs.len() >= self.cfg.max_subscriptions {
            let error = json!([{
                "message": format!("at most {} subscriptions per connection", self.cfg.max_subscriptions),
                "extensions": {"code": ErrorCode::TooManySubscriptions.as_str()},
            }]);
            return self.send_error(&id, error).await;
        }
        let mut request = request;
        if let Err(e) = self
            .app
            .documents
            .admit(&mut request, self.app.settings.introspection)
        {
            let errors = serde_json::to_value([e]).unwrap_or_else(|_| json!([]));
            return self.send_error(&id, errors).await;
        }
        let subscription = is_subscription(&mut request);
        let shared = match (&self.actor, subscription) {
            (Some(actor), true) => Key::of(&request, actor),
            _ => None,
        };
        let stream: Sub = match shared {
            Some(key) => {
                let schema = self.schema.clone();
                let rx = self.app.fanout.join(key, move || {
                    let mark = crate::graphql::DeliveryMark::default();
                    let mut request = request;
                    request.data.insert(mark.clone());
                    schema
                        .execute_stream_with_session_data(request, session)
                        .map(move |r| (r, mark.get()))
                        .boxed()
                });
                BroadcastStream::new(rx)
                    .map(|d| match d {
                        Ok(Delivery::Complete) => None,
                        Ok(d) => Some(Item::Shared(d)),
                        Err(_) => Some(Item::Lagged),
                    })
                    .boxed()
            }
            None if subscription => {
                let mark = crate::graphql::DeliveryMark::default();
                request.data.insert(mark.clone());
                self.schema
                    .execute_stream_with_session_data(request, session)
                    .map(move |r| Some(Item::Own(r, mark.get())))
                    .chain(stream::once(async { None }))
                    .boxed()
            }
            // A query or mutation has one result, within the request timeout.
            None => {
                let limit = self.app.settings.request_timeout();
                let operation = crate::documents::operation_name(&mut request);
                let order = crate::graphql::order::RootOrder::of(&mut request);
                let metrics = self.app.metrics.clone();
                let started = std::time::Instant::now();
                let run = self
                    .schema
                    .execute_stream_with_session_data(request, session)
                    .into_future();
                stream::once(async move {
                    let answer = timeout(limit, run).await;
                    let outcome = match &answer {
                        Ok((Some(r), _)) => crate::http::outcome(r),
                        Ok((None, _)) => "ok",
                        Err(_) => "timeout",
                    };
                    metrics.request("ws", operation.as_deref(), outcome, started.elapsed());
                    match answer {
                        Ok((Some(mut r), _)) => {
                            if let Some(order) = &order {
                                order.apply(&mut r);
                            }
                            Some(Item::Own(r, 0))
                        }
                        Ok((None, _)) => None,
                        Err(_) => Some(Item::Own(
                            Response::from_errors(vec![crate::client_error::server_error(
                                format!(
                                    "the operation took longer than {} s and was stopped",
                                    limit.as_secs()
                                ),
                                crate::client_error::ErrorCode::Timeout,
                            )]),
                            0,
                        )),
                    }
                })
                .chain(stream::once(async { None }))
                .boxed()
            }
        };
        self.subs.insert(id, stream);
        self.app.metrics.ws_subscriptions.inc();
        Ok(())
    }

    /// Stops subscription `id`; whether it was running.
    pub(super) fn remove(&mut self, id: &str) -> bool {
        let running = self.subs.remove(id).is_some();
        if running {
            self.app.metrics.ws_subscriptions.dec();
        }
        running
    }

    pub(super) async fn send_error(&mut self, id: &str, errors: Value) -> Result<(), End> {
        self.send_json(&json!({"type": "error", "id": id, "payload": errors}))
            .await
    }

    /// One item of a subscription, or `None` when it has ended.
    pub(super) async fn on_item(&mut self, id: String, item: Option<Item>) -> Result<(), End> {
        let ty = match self.protocol {
            Protocol::TransportWs => "next",
            Protocol::Legacy => "data",
        };
        let (mut resp, at_ms) = match item {
            None => {
                self.remove(&id);
                return self.send_json(&json!({"type": "complete", "id": id})).await;
            }
            Some(Item::Own(resp, at_ms)) => (resp, at_ms),
            Some(Item::Shared(Delivery::Next(payload, at_ms))) => {
                // The payload was serialised once for every subscriber.
                return self.send_payload(ty, &id, &payload, at_ms).await;
            }
            Some(Item::Shared(Delivery::Refused(errors))) => {
                self.remove(&id);
                let errors = serde_json::from_str(&errors).unwrap_or_else(|_| json!([]));
                return self.send_error(&id, errors).await;
            }
            Some(Item::Shared(Delivery::Complete)) => {
                self.remove(&id);
                return self.send_json(&json!({"type": "complete", "id": id})).await;
            }
            Some(Item::Lagged) => {
                self.remove(&id);
                let errors = json!([{
                    "message": "this subscription fell behind; subscribe again with the last cursor as `after`",
                    "extensions": {"code": ErrorCode::SubscriberTooSlow.as_str()},
                }]);
                return self.send_error(&id, errors).await;
            }
        };
        crate::client_error::classify(&mut resp);
        // Errors before execution (parse, validation, variables) have no path and
        // no data: the operation never ran, so it is an `error` message.
        let refused = crate::http::is_request_error(&resp);
        if refused {
            self.remove(&id);
            let errors = serde_json::to_value(&resp.errors).unwrap_or_else(|_| json!([]));
            return self.send_error(&id, errors).await;
        }
        // Written straight from the response, whose objects keep their
        // fields in the asked order (a JSON value would sort them by name).
        let payload = serde_json::to_string(&resp).unwrap_or_else(|_| r#"{"data":null}"#.into());
        self.send_payload(ty, &id, &payload, at_ms).await
    }

    /// Sends one result of subscription `id`, `payload` being its JSON text.
    async fn send_payload(
        &mut self,
        ty: &str,
        id: &str,
        payload: &str,
        at_ms: i64,
    ) -> Result<(), End> {
        let id_json = serde_json::to_string(id).unwrap_or_else(|_| "\"\"".into());
        // One allocation of the exact size: no formatting machinery, and the
        // frame's bytes take the buffer as it is.
        let text = [
            r#"{"type":""#,
            ty,
            r#"","id":"#,
            id_json.as_str(),
            r#","payload":"#,
            payload,
            "}",
        ]
        .concat();
        self.send(Message::Text(text.into())).await?;
        self.app.metrics.delivered(at_ms);
        Ok(())
    }
}
