//! GraphQL over HTTP: POST (single and batched) and GET, each operation
//! parsed, checked, executed and coded.

use super::*;

pub(super) async fn execute(
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
        Err(TokenFailure::Unchecked(e)) => return unchecked(media, e),
        Err(TokenFailure::Refused(msg)) => {
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
pub(super) async fn run_one(
    s: &HttpState,
    actor: Option<Actor>,
    mut r: async_graphql::Request,
) -> async_graphql::Response {
    if let Err(e) = s.app.persisted.resolve(&mut r) {
        return async_graphql::Response::from_errors(vec![e]);
    }
    if let Err(e) = s.app.documents.admit(&mut r, s.app.settings.introspection) {
        return async_graphql::Response::from_errors(vec![e]);
    }
    let cache = is_query(&mut r);
    let order = crate::graphql::order::RootOrder::of(&mut r);
    let operation = crate::documents::operation_name(&mut r);
    r.data = request_data(&s.app, actor, cache);
    let started = std::time::Instant::now();
    let span = tracing::info_span!(
        "graphql.request",
        otel.name = %format!("graphql {}", operation.as_deref().unwrap_or("anonymous")),
        graphql.operation = operation.as_deref().unwrap_or(""),
        transport = "http",
    );
    let mut resp = tracing::Instrument::instrument(s.schema.execute(r), span).await;
    if let Some(order) = &order {
        order.apply(&mut resp);
    }
    classify(&mut resp);
    s.app.metrics.request(
        "http",
        operation.as_deref(),
        outcome(&resp),
        started.elapsed(),
    );
    resp
}

pub(super) async fn graphql_post(State(s): State<HttpState>, req: Request) -> Response {
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
pub(super) const DRAIN_BYTES: usize = 32 << 20;
pub(super) const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads and discards what is left of a refused body, within bounds.
pub(super) async fn drain(body: &mut axum::body::BodyDataStream) {
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
pub(super) fn too_large(media: Media, limit: usize) -> Response {
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

pub(super) async fn graphql_get(State(s): State<HttpState>, req: Request) -> Response {
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
    // GET may only read: a mutation over GET would be a CSRF hole. (A request
    // that selects no operation is refused before execution.)
    if s.app.documents.parse(&mut request).is_ok() {
        let ty = crate::documents::operation_type(&mut request);
        if ty.is_some_and(|t| t != OperationType::Query) {
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
