//! Who is asking: the client's address, its token, and the rate limits on
//! both.

use super::*;

/// The client's address: the peer, or with `TRUST_FORWARDED_FOR` the last
/// `X-Forwarded-For` entry.
pub(super) fn client_addr(
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
pub(super) fn rate_limited(media: Media, wait: RetryAfter) -> Response {
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

/// Why a request's token was not taken.
#[derive(Debug)]
pub(super) enum TokenFailure {
    /// The token is not good (unreadable, unknown, revoked, expired): 401.
    Refused(String),
    /// The token could not be checked: the database was out of reach (the
    /// client should try again) or failed.
    Unchecked(crate::error::AppError),
}

/// The answer to a request whose token could not be checked: 503
/// `UNAVAILABLE` with `Retry-After` when the database was out of reach,
/// otherwise 500 `INTERNAL` with a request id. Never a 401: the token may
/// well be good.
pub(super) fn unchecked(media: Media, e: crate::error::AppError) -> Response {
    let retry = e.is_unavailable();
    let crate::client_error::GqlError(err) = e.into();
    let mut error = async_graphql::ServerError::new(err.message, None);
    error.extensions = err.extensions;
    let status = if retry {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    let body = BatchResponse::Single(async_graphql::Response::from_errors(vec![error]));
    let mut resp = json_response(status, media, &body);
    if retry {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(1));
    }
    resp
}

/// Looks up the bearer token, if one was sent.
pub(super) async fn identify(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Actor>, TokenFailure> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| TokenFailure::Refused("the Authorization header is not readable".into()))?
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
        .ok_or_else(|| {
            TokenFailure::Refused("the Authorization header must be 'Bearer <token>'".into())
        })?
        .trim();
    match app
        .tokens
        .authenticate(&app.db, token, app.clock.now())
        .await
    {
        Ok(actor) => Ok(Some(actor)),
        Err(crate::error::AppError::Unauthenticated(why)) => Err(TokenFailure::Refused(why)),
        Err(e) => Err(TokenFailure::Unchecked(e)),
    }
}
