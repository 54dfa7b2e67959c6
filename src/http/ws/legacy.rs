//! The legacy `graphql-ws` protocol of subscriptions-transport-ws: one client
//! message handled.

use super::*;

impl Conn {
    pub(super) async fn on_legacy(&mut self, text: &str) -> Result<(), End> {
        let Some(msg) = serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object)
        else {
            return self
                .send_json(&json!({"type": "connection_error", "payload": {"message": "the message is not JSON"}}))
                .await;
        };
        let ty = msg.get("type").and_then(Value::as_str).unwrap_or("");
        match ty {
            "connection_init" => {
                if self.init_seen {
                    return Err(close(close::TOO_MANY_INITS, "Too many initialisation requests"));
                }
                self.init_seen = true;
                let payload = optional_object(&msg).ok().flatten();
                match Box::pin(authenticate(&self.app, payload)).await {
                    Ok((data, actor)) => {
                        self.session = Some(Arc::new(data));
                        self.actor = Some(actor);
                        self.send_json(&json!({"type": "connection_ack"})).await?;
                        self.send_json(&json!({"type": "ka"})).await
                    }
                    Err(refused) => {
                        self.send_json(&json!({"type": "connection_error", "payload": {"message": refused.message}}))
                            .await?;
                        let reason = match refused.code {
                            close::FORBIDDEN => "Forbidden",
                            close::TRY_AGAIN_LATER => "Try again later",
                            _ => "Internal error",
                        };
                        Err(close(refused.code, reason))
                    }
                }
            }
            "start" => {
                let Some(session) = self.session.clone() else {
                    return Err(close(close::UNAUTHORIZED, "Unauthorized"));
                };
                let Some(id) = message_id(&msg) else {
                    return self
                        .send_json(&json!({"type": "error", "payload": {"message": "start needs an id"}}))
                        .await;
                };
                let Some(request) = graphql_request(&msg) else {
                    return self
                        .send_json(&json!({"type": "error", "id": id, "payload": {"message": "start needs a payload with a query"}}))
                        .await;
                };
                // The legacy protocol replaces an operation that reuses an id.
                self.remove(&id);
                self.start(id, request, session).await
            }
            "stop" => {
                let Some(id) = message_id(&msg) else { return Ok(()) };
                if self.remove(&id) {
                    self.send_json(&json!({"type": "complete", "id": id})).await?;
                }
                Ok(())
            }
            "connection_terminate" => Err(close(1000, "terminated by the client")),
            _ => {
                self.send_json(&json!({"type": "error", "payload": {"message": format!("unknown message type `{ty}`")}}))
                    .await
            }
        }
    }
}
