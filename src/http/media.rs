//! Media types: what the client accepts, and responses in it.

use super::*;
use crate::client_error::is_request_error;

/// The media type of GraphQL responses per the GraphQL-over-HTTP specification.
pub(super) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Which response media type the client accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Media {
    GraphqlResponseJson,
    Json,
}

pub(super) fn negotiate(headers: &HeaderMap) -> Option<Media> {
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

pub(super) fn error_response(
    status: StatusCode,
    media: Media,
    message: &str,
    code: ErrorCode,
) -> Response {
    let body = async_graphql::Response::from_errors(vec![server_error(message, code)]);
    let status =
        if media == Media::Json && status.is_client_error() && code == ErrorCode::Unauthenticated {
            StatusCode::UNAUTHORIZED
        } else {
            status
        };
    json_response(status, media, &BatchResponse::Single(body))
}

pub(super) fn json_response(status: StatusCode, media: Media, body: &BatchResponse) -> Response {
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

/// A response as it goes on the wire: a request error (the operation never
/// ran) has no `data` entry at all; `extensions` and `errors` only when
/// present.
pub(super) struct Wire<'a>(&'a async_graphql::Response);

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
