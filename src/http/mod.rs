//! The axum router: `/graphql` (POST, GET queries, GraphiQL, WebSocket),
//! `/healthz` and `/metrics`.
//!
//! The GraphQL HTTP handler is ours rather than async-graphql-axum's extractor so
//! that every refusal (bad JSON, wrong media type, oversized body, mutation over
//! GET, bad token) is a GraphQL error body with an `extensions.code`, never a
//! bare text 4xx, and so that the response media type follows `Accept`.

pub mod graphiql;
pub mod ws;

use std::sync::atomic::Ordering;

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse};
use futures_util::StreamExt;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, extract::Request};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::graphql::error::{ErrorCode, classify, is_query, server_error};
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
        .layer(cors)
        // gzip or brotli as the client's Accept-Encoding asks; small bodies
        // and WebSocket upgrades pass as they are.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .br(true),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout(),
        ))
        .with_state(state)
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
        Ok(None) | Err(_) => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send an operator token (Authorization: Bearer ...) or set METRICS_ADDR\n",
        )
            .into_response(),
    }
}

async fn render_metrics(app: &AppState) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(app).await,
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

/// The media type of GraphQL responses per the GraphQL-over-HTTP specification.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Which response media type the client accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphqlResponseJson,
    Json,
}

fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    let mut best: Option<(Media, f32)> = None;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let mime = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .next()
            .unwrap_or(1.0);
        let media = match mime.as_str() {
            GRAPHQL_RESPONSE_JSON => Media::GraphqlResponseJson,
            "application/json" | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        if q > 0.0
            && best.is_none_or(|(m, bq)| {
                q > bq || (q == bq && media == Media::GraphqlResponseJson && m != media)
            })
        {
            best = Some((media, q));
        }
    }
    best.map(|(m, _)| m)
}

fn error_response(status: StatusCode, media: Media, message: &str, code: ErrorCode) -> Response {
    let body = async_graphql::Response::from_errors(vec![server_error(message, code)]);
    let status =
        if media == Media::Json && status.is_client_error() && code == ErrorCode::Unauthenticated {
            StatusCode::UNAUTHORIZED
        } else {
            status
        };
    json_response(status, media, &BatchResponse::Single(body))
}

fn json_response(status: StatusCode, media: Media, body: &BatchResponse) -> Response {
    let content_type = match media {
        Media::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        Media::Json => "application/json; charset=utf-8",
    };
    // Serialised straight from the response tree, without an intermediate
    // JSON value.
    let written = match body {
        BatchResponse::Single(r) => serde_json::to_vec(&Wire(r)),
        BatchResponse::Batch(rs) => serde_json::to_vec(&rs.iter().map(Wire).collect::<Vec<_>>()),
    };
    match written {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "serialising a response failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// How an operation ended, for the request-duration histogram.
pub fn outcome(r: &async_graphql::Response) -> &'static str {
    if is_request_error(r) {
        "refused"
    } else if r.errors.is_empty() {
        "ok"
    } else {
        "error"
    }
}

/// Whether a response is a request error: no data and only errors without a
/// path (parse, validation, variables), so the operation never ran.
pub fn is_request_error(r: &async_graphql::Response) -> bool {
    r.data == async_graphql::Value::Null
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty())
}

/// A response as it goes on the wire: a request error (the operation never
/// ran) has no `data` entry at all; `extensions` and `errors` only when
/// present.
struct Wire<'a>(&'a async_graphql::Response);

impl serde::Serialize for Wire<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let r = self.0;
        let mut map = ser.serialize_map(None)?;
        if !is_request_error(r) {
            map.serialize_entry("data", &r.data)?;
        }
        if !r.extensions.is_empty() {
            map.serialize_entry("extensions", &r.extensions)?;
        }
        if !r.errors.is_empty() {
            map.serialize_entry("errors", &r.errors)?;
        }
        map.end()
    }
}

/// The client's address: the peer, or with `TRUST_FORWARDED_FOR` the last
/// `X-Forwarded-For` entry.
fn client_addr(
    app: &AppState,
    parts: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    if app.settings.trust_forwarded_for
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|a| a.trim().parse::<IpAddr>().ok())
    {
        return Some(ip);
    }
    parts
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip())
}

/// 429 with `Retry-After`.
fn rate_limited(media: Media, wait: RetryAfter) -> Response {
    let seconds = wait.seconds();
    let mut resp = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        media,
        &format!("too many requests; try again in {seconds} s"),
        ErrorCode::RateLimited,
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    resp
}

/// Looks up the bearer token, if one was sent.
async fn identify(app: &AppState, headers: &HeaderMap) -> Result<Option<Actor>, String> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not readable".to_string())?
        .trim();
    // An empty token (GraphiQL's prefilled "Bearer ", which clients trim to
    // "Bearer") counts as no token: the schema stays explorable, and every data
    // field answers UNAUTHENTICATED.
    if value.is_empty() || value.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| "the Authorization header must be 'Bearer <token>'".to_string())?
        .trim();
    match app
        .tokens
        .authenticate(&app.db, token, app.clock.now())
        .await
    {
        Ok(actor) => Ok(Some(actor)),
        Err(crate::error::AppError::Unauthenticated(why)) => Err(why),
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed");
            Err("the API token could not be checked".to_string())
        }
    }
}

async fn execute(
    s: &HttpState,
    media: Media,
    headers: &HeaderMap,
    client: Option<IpAddr>,
    batch: BatchRequest,
) -> Response {
    s.app.metrics.graphql_requests.inc();
    let by_addr = || client.map_or(Ok(()), |ip| s.app.limits.check_addr(ip));
    let actor = match identify(&s.app, headers).await {
        Ok(a) => a,
        Err(msg) => {
            // Guessing tokens counts against the address.
            if let Err(wait) = by_addr() {
                return rate_limited(media, wait);
            }
            return error_response(
                StatusCode::UNAUTHORIZED,
                media,
                &msg,
                ErrorCode::Unauthenticated,
            );
        }
    };
    let allowed = match &actor {
        Some(a) => s.app.limits.check_token(a.token_id),
        None => by_addr(),
    };
    if let Err(wait) = allowed {
        return rate_limited(media, wait);
    }
    let resp = match batch {
        BatchRequest::Single(r) => BatchResponse::Single(run_one(s, actor, r).await),
        BatchRequest::Batch(items) => {
            let mut out = Vec::with_capacity(items.len());
            for r in items {
                out.push(run_one(s, actor.clone(), r).await);
            }
            BatchResponse::Batch(out)
        }
    };
    // Under application/graphql-response+json a request that failed before
    // execution (parse or validation) is a 400; application/json keeps 200.
    let failed_early = match &resp {
        BatchResponse::Single(r) => is_request_error(r),
        BatchResponse::Batch(_) => false,
    };
    let status = if media == Media::GraphqlResponseJson && failed_early {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    json_response(status, media, &resp)
}

/// Parses, executes and codes one operation. Loaders cache what they read only
/// for a query: a mutation reads again after each change.
async fn run_one(
    s: &HttpState,
    actor: Option<Actor>,
    mut r: async_graphql::Request,
) -> async_graphql::Response {
    if let Err(e) = s.app.persisted.resolve(&mut r) {
        return async_graphql::Response::from_errors(vec![e]);
    }
    if let Err(e) = s.app.documents.parse(&mut r) {
        return async_graphql::Response::from_errors(vec![e]);
    }
    if !s.app.settings.introspection
        && let Err(e) = crate::graphql::error::refuse_introspection(&mut r)
    {
        return async_graphql::Response::from_errors(vec![e]);
    }
    let cache = is_query(&mut r);
    let operation = crate::graphql::error::operation_name(&mut r);
    r.data = request_data(&s.app, actor, cache);
    let started = std::time::Instant::now();
    let span = tracing::info_span!(
        "graphql.request",
        otel.name = %format!("graphql {}", operation.as_deref().unwrap_or("anonymous")),
        graphql.operation = operation.as_deref().unwrap_or(""),
        transport = "http",
    );
    let mut resp = tracing::Instrument::instrument(s.schema.execute(r), span).await;
    classify(&mut resp);
    s.app.metrics.request(
        "http",
        operation.as_deref(),
        outcome(&resp),
        started.elapsed(),
    );
    resp
}

async fn graphql_post(State(s): State<HttpState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let client = client_addr(&s.app, req.extensions(), &headers);
    let Some(media) = negotiate(&headers) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            Media::Json,
            "accept application/graphql-response+json or application/json",
            ErrorCode::NotAcceptable,
        );
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.split(';').next().map(str::trim) != Some("application/json") {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "send the request as Content-Type: application/json",
            ErrorCode::UnsupportedMediaType,
        );
    }
    let limit = s.app.settings.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut body = req.into_body().into_data_stream();
    if declared.is_some_and(|n| n > limit as u64) {
        // Refused on the declared length, before reading. A client waiting
        // for `100 Continue` gets the answer instead and sends nothing; one
        // that is already sending is read to the end (within bounds) so it
        // can read the answer rather than have the connection reset under it.
        let expects_continue = headers
            .get(header::EXPECT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        if !expects_continue {
            drain(&mut body).await;
        }
        return too_large(media, limit);
    }
    let mut bytes = Vec::with_capacity(declared.map_or(1024, |n| n as usize));
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                "the request body could not be read",
                ErrorCode::BadRequest,
            );
        };
        if bytes.len() + chunk.len() > limit {
            drain(&mut body).await;
            return too_large(media, limit);
        }
        bytes.extend_from_slice(&chunk);
    }
    let batch: BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                &format!("the body is not a GraphQL request: {e}"),
                ErrorCode::BadRequest,
            );
        }
    };
    if let BatchRequest::Batch(items) = &batch {
        let max = s.app.settings.max_batch_size;
        if items.len() > max || items.is_empty() {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                &format!("a batch holds 1 to {max} operations"),
                ErrorCode::BatchTooLarge,
            );
        }
    }
    execute(&s, media, &headers, client, batch).await
}

/// The most of an oversized body read (and thrown away) so that the client
/// can read the 413, and the longest spent doing so.
const DRAIN_BYTES: usize = 32 << 20;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads and discards what is left of a refused body, within bounds.
async fn drain(body: &mut axum::body::BodyDataStream) {
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut read = 0usize;
        while let Some(Ok(chunk)) = body.next().await {
            read += chunk.len();
            if read > DRAIN_BYTES {
                break;
            }
        }
    })
    .await;
}

/// 413, and the connection closes after it.
fn too_large(media: Media, limit: usize) -> Response {
    let mut resp = error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        media,
        &format!("the request body is larger than {limit} bytes"),
        ErrorCode::PayloadTooLarge,
    );
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

async fn graphql_get(State(s): State<HttpState>, req: Request) -> Response {
    let (mut parts, _body) = req.into_parts();
    let is_upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if is_upgrade {
        return websocket(s, &mut parts).await;
    }
    let query = parts.uri.query().unwrap_or("");
    let wants_html = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && !query.contains("query=") {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        return crate::http::graphiql::page(
            std::path::Path::new(&s.app.settings.graphiql_assets_dir),
            host,
        );
    }
    let Some(media) = negotiate(&parts.headers) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            Media::Json,
            "accept application/graphql-response+json or application/json",
            ErrorCode::NotAcceptable,
        );
    };
    let mut request = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                &format!("the query string is not a GraphQL request: {e}"),
                ErrorCode::BadRequest,
            );
        }
    };
    // A persisted query by its hash: known, or the client sends it again.
    if let Err(e) = s.app.persisted.resolve(&mut request) {
        let body = async_graphql::Response::from_errors(vec![e]);
        return json_response(StatusCode::OK, media, &BatchResponse::Single(body));
    }
    // GET may only read: a mutation over GET would be a CSRF hole.
    let wanted_operation = request.operation_name.clone();
    if s.app.documents.parse(&mut request).is_ok()
        && let Ok(doc) = request.parsed_query()
    {
        let is_mutation = doc.operations.iter().any(|(name, op)| {
            let selected = match (&wanted_operation, name) {
                (Some(wanted), Some(n)) => wanted == n.as_str(),
                _ => true,
            };
            selected && op.node.ty != OperationType::Query
        });
        if is_mutation {
            let mut resp = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                media,
                "mutations and subscriptions are not allowed over GET; use POST",
                ErrorCode::MethodNotAllowed,
            );
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return resp;
        }
    }
    let client = client_addr(&s.app, &parts.extensions, &parts.headers);
    execute(
        &s,
        media,
        &parts.headers,
        client,
        BatchRequest::Single(request),
    )
    .await
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
