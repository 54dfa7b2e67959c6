//! The axum router: `/graphql` (POST, GET queries, GraphiQL, WebSocket),
//! `/healthz` and `/metrics`.
//!
//! The GraphQL HTTP handler is ours rather than async-graphql-axum's extractor so
//! that every refusal (bad JSON, wrong media type, oversized body, mutation over
//! GET, bad token) is a GraphQL error body with an `extensions.code`, never a
//! bare text 4xx, and so that the response media type follows `Accept`.

mod auth;
mod graphql;
mod media;

pub use crate::client_error::is_request_error;
use auth::{TokenFailure, client_addr, identify, rate_limited, unchecked};
use graphql::{graphql_get, graphql_post};
pub use media::outcome;
use media::{Media, error_response, json_response, negotiate};

pub mod graphiql;
pub mod ws;

use std::sync::atomic::Ordering;

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse};
use futures_util::StreamExt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, extract::Request};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::client_error::{ErrorCode, classify, server_error};
use crate::documents::is_query;
use crate::graphql::{AppSchema, request_data};
use crate::ratelimit::RetryAfter;
use crate::state::AppState;
use crate::store::Actor;

/// Everything a request handler needs.
#[derive(Clone)]
pub struct HttpState {
    /// App state.
    pub app: AppState,
    /// The schema.
    pub schema: AppSchema,
    /// Turns `true` when the server begins to shut down; WebSockets then close.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The WebSocket connections, awaited on shutdown.
    pub sockets: tokio_util::task::TaskTracker,
}

/// Builds the router.
pub fn router(state: HttpState) -> Router {
    let settings = state.app.settings.clone();
    let cors = if settings.cors_origins.is_empty() {
        CorsLayer::new()
    } else {
        let origins: Vec<HeaderValue> = settings
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
            .collect();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
    };
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphiql/{name}", get(crate::http::graphiql::asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // Inside CORS, so that a browser can read the 408 too.
        .layer(axum::middleware::from_fn_with_state(
            settings.request_timeout(),
            timeout,
        ))
        .layer(cors)
        // gzip or brotli as the client's Accept-Encoding asks; small bodies
        // and WebSocket upgrades pass as they are.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .br(true),
        )
        .with_state(state)
}

/// Stops a request that runs past `REQUEST_TIMEOUT_SECS` with a 408 that a
/// GraphQL client can read: an error coded `TIMEOUT`, in the media type the
/// request accepts. Each operation's change is one transaction, so a
/// mutation stopped here was committed whole or not at all.
async fn timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let media = negotiate(req.headers()).unwrap_or(Media::Json);
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => error_response(
            StatusCode::REQUEST_TIMEOUT,
            media,
            &format!(
                "the request took longer than {} s and was stopped; a mutation was committed whole or not at all (read, or retry with the same idempotency key)",
                limit.as_secs()
            ),
            ErrorCode::Timeout,
        ),
    }
}

async fn healthz(State(s): State<HttpState>) -> Response {
    match crate::db::ping(&s.app.db).await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Readiness: the database answers, every migration is applied, and the
/// worker and the event hub have looped recently. 200 with each check's
/// state, or 503 naming what is not ready.
async fn readyz(State(s): State<HttpState>) -> Response {
    use migration::MigratorTrait;
    let app = &s.app;
    let now = chrono::Utc::now().timestamp_millis();
    let database = crate::db::ping(&app.db).await.is_ok();
    let migrations = if database {
        match migration::Migrator::get_pending_migrations(&app.db).await {
            Ok(p) if p.is_empty() => "ok".to_string(),
            Ok(p) => format!("{} pending", p.len()),
            Err(_) => "unknown".to_string(),
        }
    } else {
        "unknown".to_string()
    };
    let alive = |beat: i64, limit_ms: i64| beat > 0 && now - beat <= limit_ms;
    let settings = &app.settings;
    // The worker loops between jobs; a job holds it at most its lease.
    let worker_limit =
        i64::try_from(settings.worker_poll_ms).unwrap_or(0) * 3 + crate::worker::LEASE_MS;
    let hub_limit = i64::try_from(settings.event_poll_ms).unwrap_or(0) * 3 + 30_000;
    let worker = alive(
        app.metrics.worker_beat_ms.load(Ordering::Relaxed),
        worker_limit,
    );
    let hub = alive(app.metrics.hub_beat_ms.load(Ordering::Relaxed), hub_limit);
    let word = |ok: bool, bad: &str| {
        if ok {
            "ok".to_string()
        } else {
            bad.to_string()
        }
    };
    let body = serde_json::json!({
        "database": word(database, "unavailable"),
        "migrations": migrations,
        "worker": word(worker, "stalled"),
        "eventHub": word(hub, "stalled"),
    });
    let ready = database && migrations == "ok" && worker && hub;
    if !ready {
        tracing::warn!(%body, "not ready");
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// `/metrics` on the API's address: 404 when `METRICS_ADDR` serves it
/// elsewhere, otherwise only for an operator token.
async fn metrics(State(s): State<HttpState>, headers: HeaderMap) -> Response {
    if s.app.settings.metrics_addr.is_some() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match identify(&s.app, &headers).await {
        Ok(Some(actor)) if actor.role == crate::store::Role::Operator => {
            render_metrics(&s.app).await
        }
        Ok(Some(_)) => (StatusCode::FORBIDDEN, "metrics are for operator tokens\n").into_response(),
        Err(TokenFailure::Unchecked(e)) => unchecked(Media::Json, e),
        Ok(None) | Err(TokenFailure::Refused(_)) => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send an operator token (Authorization: Bearer ...) or set METRICS_ADDR\n",
        )
            .into_response(),
    }
}

async fn render_metrics(app: &AppState) -> Response {
    let queue = crate::store::raw::queue_stats(&app.db, app.clock.now())
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "reading queue gauges for /metrics failed"))
        .ok();
    let now = crate::metrics::Readings {
        queue,
        hub_head: app.events.head(),
        listeners: app.events.listeners(),
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(now),
    )
        .into_response()
}

/// The router of `METRICS_ADDR`: `/metrics` without a token, for a scraper on
/// a private network.
pub fn metrics_router(app: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(app): State<AppState>| async move { render_metrics(&app).await }),
        )
        .with_state(app)
}

async fn websocket(s: HttpState, parts: &mut axum::http::request::Parts) -> Response {
    let offered = parts
        .headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(protocol) = crate::http::ws::Protocol::negotiate(offered) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            Media::Json,
            "offer the WebSocket sub-protocol graphql-transport-ws or graphql-ws",
            ErrorCode::UnsupportedProtocol,
        );
    };
    // Each upgrade counts against the address; a socket's operations count
    // against its token.
    if let Some(ip) = client_addr(&s.app, &parts.extensions, &parts.headers)
        && let Err(wait) = s.app.limits.check_addr(ip)
    {
        return rate_limited(Media::Json, wait);
    }
    let slot = parts.extensions.remove::<crate::serve::ConnectionSlot>();
    let upgrade = match WebSocketUpgrade::from_request_parts(parts, &()).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let HttpState {
        app,
        schema,
        shutdown,
        sockets,
    } = s;
    // Small buffers: an idle subscriber should cost kilobytes, not the 128 KiB
    // defaults; larger messages still work (the buffers grow on demand).
    upgrade
        .protocols([protocol.name()])
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_message_size(app.settings.max_body_bytes)
        .max_frame_size(app.settings.max_body_bytes)
        .on_upgrade(move |socket| {
            sockets.track_future(async move {
                crate::http::ws::serve(socket, protocol, app, schema, shutdown).await;
                drop(slot);
            })
        })
}
