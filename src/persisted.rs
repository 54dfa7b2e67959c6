//! Automatic persisted queries (the protocol Apollo Client and urql speak): a
//! client sends `extensions.persistedQuery.sha256Hash` without the query; if
//! the server knows the hash it runs that query, otherwise it answers
//! `PersistedQueryNotFound` and the client sends the query once with its hash.
//! Repeated queries then travel as a hash, also over GET (cacheable).
//!
//! The store is per instance, in memory, bounded (oldest out first); a
//! forgotten hash costs the client one extra round trip, nothing more.

use std::sync::Arc;

use async_graphql::ServerError;
use sha2::{Digest, Sha256};

use crate::bounded::BoundedMap;
use crate::client_error::{ErrorCode, server_error};

/// How many queries an instance remembers.
pub const CAPACITY: usize = 4096;

/// Queries by the hex SHA-256 of their text.
pub struct PersistedQueries {
    by_hash: BoundedMap<Arc<str>>,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self {
            by_hash: BoundedMap::new(CAPACITY),
        }
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl PersistedQueries {
    fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.by_hash.get(hash)
    }

    fn put(&self, hash: &str, query: &str) {
        self.by_hash.put(hash, Arc::from(query));
    }

    /// Applies the protocol to a request: fills in the query of a known hash,
    /// remembers a query sent with its hash, or says why not. The extension is
    /// taken off the request, so resolving it again is a no-op; a request
    /// without `persistedQuery` passes untouched.
    pub fn resolve(&self, request: &mut async_graphql::Request) -> Result<(), ServerError> {
        let Some(pq) = request.extensions.remove("persistedQuery") else {
            return Ok(());
        };
        let pq = pq.into_json().unwrap_or_default();
        if pq["version"] != 1 {
            return Err(server_error(
                "persistedQuery: only version 1 is supported",
                ErrorCode::BadRequest,
            ));
        }
        let Some(hash) = pq["sha256Hash"].as_str().map(str::to_ascii_lowercase) else {
            return Err(server_error(
                "persistedQuery: sha256Hash is missing",
                ErrorCode::BadRequest,
            ));
        };
        if request.query.trim().is_empty() {
            return match self.get(&hash) {
                Some(query) => {
                    request.query = query.to_string();
                    Ok(())
                }
                None => Err(server_error(
                    "PersistedQueryNotFound",
                    ErrorCode::PersistedQueryNotFound,
                )),
            };
        }
        if sha256_hex(&request.query) != hash {
            return Err(server_error(
                "persistedQuery: sha256Hash is not the SHA-256 of the query",
                ErrorCode::BadRequest,
            ));
        }
        self.put(&hash, &request.query);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, hash: &str) -> async_graphql::Request {
        let mut r = async_graphql::Request::new(query);
        r.extensions.insert(
            "persistedQuery".into(),
            async_graphql::Value::from_json(serde_json::json!({"version": 1, "sha256Hash": hash}))
                .unwrap_or_default(),
        );
        r
    }

    #[test]
    fn unknown_then_registered_then_by_hash() {
        let store = PersistedQueries::default();
        let q = "{ viewer { name } }";
        let h = sha256_hex(q);
        let e = store.resolve(&mut request("", &h)).unwrap_err();
        assert_eq!(e.message, "PersistedQueryNotFound");
        store.resolve(&mut request(q, &h)).unwrap();
        let mut by_hash = request("", &h);
        store.resolve(&mut by_hash).unwrap();
        assert_eq!(by_hash.query, q);
        // Resolved once: a second pass (GET checks before executing) is a no-op.
        store.resolve(&mut by_hash).unwrap();
        assert_eq!(by_hash.query, q);
        // A wrong hash is refused and not stored.
        assert!(store.resolve(&mut request(q, &"0".repeat(64))).is_err());
        assert!(store.resolve(&mut request("", &"0".repeat(64))).is_err());
        // Without the extension nothing happens.
        let mut plain = async_graphql::Request::new(q);
        store.resolve(&mut plain).unwrap();
    }

    #[test]
    fn the_store_is_bounded() {
        let store = PersistedQueries::default();
        for i in 0..CAPACITY + 10 {
            let q = format!("{{ a{i}: __typename }}");
            store.resolve(&mut request(&q, &sha256_hex(&q))).unwrap();
        }
        let first = "{ a0: __typename }";
        assert!(store.get(&sha256_hex(first)).is_none());
        let last = format!("{{ a{}: __typename }}", CAPACITY + 9);
        assert!(store.get(&sha256_hex(&last)).is_some());
    }
}
