//! The GraphiQL playground, served with its assets by this server.
//!
//! The assets come from the `graphiql`, `react` and `react-dom` npm packages
//! (versions locked in `web/package-lock.json`) and are put into the binary
//! when it is built (`build.rs`), so the playground works offline wherever the
//! server runs. Nothing third-party is committed. A binary built without Node
//! reads them from `GRAPHIQL_ASSETS_DIR` (`npm ci --prefix web`); failing that,
//! the page falls back to the same versions on a CDN,
//! each file pinned by its Subresource Integrity hash, and says so in the
//! browser console. The page sends a strict Content-Security-Policy and keeps
//! the token only in the tab's `sessionStorage`.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::http::HttpState;

/// The asset files the page needs: URL name, path under the assets directory,
/// content type, CDN fallback, and the fallback's Subresource Integrity hash
/// (SHA-384 of the locked npm package's file; a test checks they match).
const ASSETS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "react.js",
        "react/umd/react.production.min.js",
        "text/javascript",
        "https://unpkg.com/react@18.3.1/umd/react.production.min.js",
        "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    ),
    (
        "react-dom.js",
        "react-dom/umd/react-dom.production.min.js",
        "text/javascript",
        "https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js",
        "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    ),
    (
        "graphiql.js",
        "graphiql/graphiql.min.js",
        "text/javascript",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    (
        "graphiql.css",
        "graphiql/graphiql.min.css",
        "text/css",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
];

/// Each asset with its path under the assets directory and the SRI hash the
/// page expects of it (for the test that keeps the hashes true).
pub fn integrity() -> impl Iterator<Item = (&'static str, &'static str)> {
    ASSETS.iter().map(|(_, rel, _, _, sri)| (*rel, *sri))
}

/// The page's own script (no inline script, so the CSP can forbid them).
/// The token the user types into the Headers tab is kept in
/// `sessionStorage`: it lives as long as the tab, never on disk.
const APP_JS: &str = r##"(function () {
  var cdn = document.body.getAttribute("data-assets") === "cdn";
  if (cdn) console.warn("GraphiQL assets are not installed on the server (npm ci --prefix web); loaded from unpkg.com with integrity checks");
  var storage = window.sessionStorage;
  // Requests need a token: paste COMPANY_TOKEN (printed by the server) into the
  // Headers tab. Subscriptions over WebSocket send the same headers in connection_init.
  var defaultHeaders = JSON.stringify({ "Authorization": "Bearer " }, null, 2);
  function currentHeaders() {
    try { return JSON.parse(storage.getItem("graphiql:headers") || defaultHeaders); } catch (e) { return {}; }
  }
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
  var fetcher = GraphiQL.createFetcher({ url: "/graphql", subscriptionUrl: wsUrl, wsConnectionParams: currentHeaders });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      shouldPersistHeaders: true,
      defaultHeaders: defaultHeaders,
      defaultEditorToolsVisibility: "headers",
      defaultQuery: "# Paste COMPANY_TOKEN (printed by the server) after Bearer in the Headers tab below, then run:\n{\n  viewer { name }\n  invoices(first: 5) {\n    edges { node { invoiceNumber total status listIcon { kind tooltip } customer { name } } }\n  }\n}\n"
    })
  );
})();
"##;

/// The assets put into the binary when it was built (see `build.rs`).
#[cfg(graphiql_embedded)]
fn embedded(name: &str) -> Option<&'static [u8]> {
    macro_rules! file {
        ($f:literal) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/graphiql/", $f)).as_slice()
        };
    }
    Some(match name {
        "react.js" => file!("react_umd_react.production.min.js"),
        "react-dom.js" => file!("react-dom_umd_react-dom.production.min.js"),
        "graphiql.js" => file!("graphiql_graphiql.min.js"),
        "graphiql.css" => file!("graphiql_graphiql.min.css"),
        _ => return None,
    })
}

#[cfg(not(graphiql_embedded))]
fn embedded(_name: &str) -> Option<&'static [u8]> {
    None
}

/// Whether this binary carries the playground's assets.
pub fn assets_embedded() -> bool {
    ASSETS.iter().all(|(n, ..)| embedded(n).is_some())
}

/// The embedded bytes of the asset at `rel` (its path under `node_modules`).
pub fn embedded_asset(rel: &str) -> Option<&'static [u8]> {
    ASSETS
        .iter()
        .find(|(_, r, ..)| *r == rel)
        .and_then(|(n, ..)| embedded(n))
}

fn installed(dir: &Path) -> bool {
    ASSETS.iter().all(|(_, rel, ..)| dir.join(rel).is_file())
}

/// A `<script>` or stylesheet reference: local, or the CDN with its hash.
fn reference(local: bool, name: &str) -> String {
    let Some((_, _, kind, cdn, sri)) = ASSETS.iter().find(|(n, ..)| *n == name) else {
        return String::new();
    };
    let (href, extra) = if local {
        (format!("/graphiql/{name}"), String::new())
    } else {
        (
            (*cdn).to_string(),
            format!(r#" integrity="{sri}" crossorigin="anonymous""#),
        )
    };
    if *kind == "text/css" {
        format!(r#"<link rel="stylesheet" href="{href}"{extra}>"#)
    } else {
        format!(r#"<script src="{href}"{extra}></script>"#)
    }
}

/// The Content-Security-Policy of the page: scripts only from this server (or
/// the pinned CDN files, checked by their hashes), requests only to this
/// server, no frames, no forms, no plugins.
fn content_security_policy(local: bool, host: Option<&str>) -> String {
    let cdn = if local { "" } else { " https://unpkg.com" };
    let ws = host.map_or_else(String::new, |h| format!(" ws://{h} wss://{h}"));
    format!(
        "default-src 'none'; script-src 'self'{cdn}; style-src 'self' 'unsafe-inline'{cdn}; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'{ws}; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// The playground page, with its security headers. `host` is the request's
/// `Host`, for the WebSocket in the CSP.
pub fn page(assets_dir: &Path, host: Option<&str>) -> Response {
    let local = assets_embedded() || installed(assets_dir);
    let host = host.filter(|h| {
        h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'-' | b'[' | b']'))
    });
    let html = format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>invoice-finance GraphiQL</title>
{css}
<style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body data-assets="{assets}">
<div id="graphiql">Loading GraphiQL…</div>
{react}
{react_dom}
{graphiql}
<script src="/graphiql/app.js"></script>
</body>
</html>"##,
        assets = if local { "local" } else { "cdn" },
        css = reference(local, "graphiql.css"),
        react = reference(local, "react.js"),
        react_dom = reference(local, "react-dom.js"),
        graphiql = reference(local, "graphiql.js"),
    );
    let csp = content_security_policy(local, host);
    (
        [
            (header::CONTENT_SECURITY_POLICY, csp.as_str()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Html(html),
    )
        .into_response()
}

/// Serves one of the known asset files; anything else is 404.
pub async fn asset(State(s): State<HttpState>, UrlPath(name): UrlPath<String>) -> Response {
    if name == "app.js" {
        return (
            [
                (header::CONTENT_TYPE, "text/javascript"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            APP_JS,
        )
            .into_response();
    }
    let Some((_, rel, content_type, ..)) = ASSETS.iter().find(|(n, ..)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(bytes) = embedded(&name) {
        return file(content_type, bytes);
    }
    let path: PathBuf = PathBuf::from(&s.app.settings.graphiql_assets_dir).join(rel);
    match tokio::fs::read(&path).await {
        Ok(bytes) => file(content_type, bytes),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A versioned asset file: cacheable for a day, never sniffed.
fn file(content_type: &'static str, bytes: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}
