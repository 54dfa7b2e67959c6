//! The HTTP accept loop, with the limits a server on the internet needs:
//!
//! - a client has `HEADER_READ_TIMEOUT_SECS` to send a request's headers, and
//!   a keep-alive connection idle that long is closed (slowloris);
//! - at most `MAX_CONNECTIONS` connections are open at once (WebSockets
//!   included); one more is answered `503` with `Retry-After` and closed;
//! - every request carries the client's address (`ConnectInfo`) for the
//!   per-address rate limit.
//!
//! It replaces `axum::serve`, which has no header timeout and no connection
//! cap, with the same hyper connection builder underneath.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

/// Limits of the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time to send a request's headers; also the longest idle keep-alive.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

/// A connection's place under `MAX_CONNECTIONS`, in every request's
/// extensions: a WebSocket keeps it for as long as it is open, after the HTTP
/// connection has handed its socket over.
#[derive(Clone)]
pub struct ConnectionSlot(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

/// Serves `app` on `listener` until `stop` turns true; then stops accepting
/// and waits (at most `drain`) for requests in flight to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    drain: Duration,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather
                    // than spin; the listener itself stays good.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        if *stop.borrow() {
            break;
        }
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let slot = ConnectionSlot(Arc::new(slot));
        let held = slot.clone();
        let service = app
            .clone()
            .map_request(move |req: hyper::Request<Incoming>| {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo(addr));
                req.extensions_mut().insert(held.clone());
                req
            });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let wait = limits.header_read_timeout;
        tokio::spawn(async move {
            // hyper times the headers from their first byte; a connection that
            // sends nothing at all is closed here.
            let mut first = [0u8; 1];
            if !matches!(
                tokio::time::timeout(wait, stream.peek(&mut first)).await,
                Ok(Ok(1))
            ) {
                drop(slot);
                return;
            }
            let conn = builder
                .serve_connection_with_upgrades(
                    TokioIo::new(stream),
                    TowerToHyperService::new(service),
                )
                .into_owned();
            if let Err(e) = watcher.watch(conn).await {
                tracing::trace!(error = %e, %addr, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some requests were still running at shutdown");
    }
    Ok(())
}

/// The answer to a connection over the cap: a readable 503, then close. The
/// request (if any) is read for a moment first so that closing does not reset
/// the connection before the client has read the answer.
async fn refuse(mut stream: TcpStream) {
    let body = serde_json::json!({"errors": [{
        "message": "the server has too many open connections; try again shortly",
        "extensions": {"code": crate::client_error::ErrorCode::TooManyConnections.as_str()},
    }]})
    .to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await;
    if stream.write_all(head.as_bytes()).await.is_ok()
        && stream.write_all(body.as_bytes()).await.is_ok()
    {
        let _ = stream.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
    }
}
