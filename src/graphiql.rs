//! The GraphiQL playground, served with its assets by this server.
//!
//! The assets come from the `graphiql`, `react` and `react-dom` npm packages,
//! installed by `npm ci --prefix web` (versions locked in `web/package-lock.json`)
//! and read from `GRAPHIQL_ASSETS_DIR`. Nothing third-party is committed. When the
//! packages are not installed, the page falls back to the same versions on a CDN
//! and says so in the browser console.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::http::HttpState;

/// The asset files the page needs: URL name, path under the assets directory,
/// content type, CDN fallback.
const ASSETS: &[(&str, &str, &str, &str)] = &[
    (
        "react.js",
        "react/umd/react.production.min.js",
        "text/javascript",
        "https://unpkg.com/react@18.3.1/umd/react.production.min.js",
    ),
    (
        "react-dom.js",
        "react-dom/umd/react-dom.production.min.js",
        "text/javascript",
        "https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js",
    ),
    (
        "graphiql.js",
        "graphiql/graphiql.min.js",
        "text/javascript",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
    ),
    (
        "graphiql.css",
        "graphiql/graphiql.min.css",
        "text/css",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.css",
    ),
];

fn installed(dir: &Path) -> bool {
    ASSETS.iter().all(|(_, rel, _, _)| dir.join(rel).is_file())
}

fn asset_url(dir: &Path, name: &str) -> String {
    if installed(dir) {
        format!("/graphiql/{name}")
    } else {
        ASSETS
            .iter()
            .find(|(n, ..)| *n == name)
            .map_or_else(String::new, |(.., cdn)| (*cdn).to_string())
    }
}

/// The playground page.
pub fn page(assets_dir: &Path) -> Html<String> {
    let local = installed(assets_dir);
    let notice = if local {
        String::new()
    } else {
        "console.warn('GraphiQL assets are not installed on the server (npm ci --prefix web); loading them from unpkg.com');".to_string()
    };
    Html(format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>invoice-finance GraphiQL</title>
<link rel="stylesheet" href="{css}">
<style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script>
{notice}
// Requests need a token: paste COMPANY_TOKEN (printed by the server) into the
// Headers tab. Subscriptions over WebSocket send the same headers in connection_init.
var defaultHeaders = JSON.stringify({{ "Authorization": "Bearer " }}, null, 2);
function currentHeaders() {{
  try {{ return JSON.parse(localStorage.getItem("graphiql:headers") || defaultHeaders); }} catch (e) {{ return {{}}; }}
}}
var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
var fetcher = GraphiQL.createFetcher({{ url: "/graphql", subscriptionUrl: wsUrl, wsConnectionParams: currentHeaders }});
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {{
    fetcher: fetcher,
    defaultHeaders: defaultHeaders,
    defaultEditorToolsVisibility: "headers",
    defaultQuery: "# Paste COMPANY_TOKEN (printed by the server) after Bearer in the Headers tab below, then run:\n{{\n  viewer {{ name }}\n  invoices(first: 5) {{\n    edges {{ node {{ invoiceNumber total status listIcon {{ kind tooltip }} customer {{ name }} }} }}\n  }}\n}}\n"
  }})
);
</script>
</body>
</html>"##,
        css = asset_url(assets_dir, "graphiql.css"),
        react = asset_url(assets_dir, "react.js"),
        react_dom = asset_url(assets_dir, "react-dom.js"),
        graphiql = asset_url(assets_dir, "graphiql.js"),
    ))
}

/// Serves one of the known asset files; anything else is 404.
pub async fn asset(State(s): State<HttpState>, UrlPath(name): UrlPath<String>) -> Response {
    let Some((_, rel, content_type, _)) = ASSETS.iter().find(|(n, ..)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path: PathBuf = PathBuf::from(&s.app.settings.graphiql_assets_dir).join(rel);
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
