//! The `graphql-transport-ws` protocol: one client message handled.

use super::*;

impl Conn {
    pub(super) async fn on_transport_ws(&mut self, text: &str) -> Result<(), End> {
        let bad = |why: &str| {
            close(
                close::BAD_REQUEST,
                format!("Invalid message received: {why}"),
            )
        };
        let msg: Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
        let ty = msg
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no type"))?;
        match ty {
            "connection_init" => {
                if self.init_seen {
                    return Err(close(
                        close::TOO_MANY_INITS,
                        "Too many initialisation requests",
                    ));
                }
                self.init_seen = true;
                let payload =
                    optional_object(&msg).map_err(|()| bad("payload must be an object"))?;
                match Box::pin(authenticate(&self.app, payload)).await {
                    Ok((data, actor)) => {
                        self.session = Some(Arc::new(data));
                        self.actor = Some(actor);
                        self.send_json(&json!({"type": "connection_ack"})).await
                    }
                    Err(refused) => Err(close(refused.code, refused.reason())),
                }
            }
            "ping" => self.send_json(&json!({"type": "pong"})).await,
            "pong" => Ok(()),
            "subscribe" => {
                let Some(session) = self.session.clone() else {
                    return Err(close(close::UNAUTHORIZED, "Unauthorized"));
                };
                let id = message_id(&msg).ok_or_else(|| bad("subscribe needs a non-empty id"))?;
                let request = graphql_request(&msg)
                    .ok_or_else(|| bad("subscribe needs a payload with a query"))?;
                if self.subs.contains_key(&id) {
                    return Err(close(
                        close::SUBSCRIBER_EXISTS,
                        format!("Subscriber for {id} already exists"),
                    ));
                }
                self.start(id, request, session).await
            }
            "complete" => {
                let id = message_id(&msg).ok_or_else(|| bad("complete needs an id"))?;
                self.remove(&id);
                Ok(())
            }
            _ => Err(bad("unknown type")),
        }
    }
}
