//! Safe defaults for a server on the internet: tokens that expire and are
//! revoked (over HTTP and on open WebSockets), an audit log of operator
//! actions, rate limits, the body limit answered cleanly, the header timeout
//! and the connection cap.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::db_test;
use crate::helpers::{TestApp, code, until};
use crate::ws::{Protocol, WsClient, error_code};

const CREATE: &str = "mutation($c: ID, $l: String!, $d: Int) { createApiToken(companyId: $c, label: $l, expiresInDays: $d) { secret token { id label role companyId expiresAt revokedAt active } } }";
const REVOKE: &str = "mutation($t: ID!) { revokeApiToken(tokenId: $t) { id revokedAt active } }";
const LIST: &str = "query($c: ID) { apiTokens(companyId: $c) { id label role lastUsedAt expiresAt revokedAt active } }";
const AUDIT: &str = "query($a: String) { auditLog(first: 50, action: $a) { totalCount nodes { at tokenId actor action companyId subject before after } } }";

async fn company_id(app: &TestApp, token: &str) -> String {
    let r = app.ok(token, "{ viewer { id } }", json!({})).await;
    r["viewer"]["id"].as_str().unwrap().to_string()
}

/// Waits for the server to close the socket and returns the close code.
async fn closed_with(ws: &mut WsClient) -> u16 {
    ws.close_code(Duration::from_secs(8))
        .await
        .map(|(c, _)| c)
        .unwrap_or(0)
}

db_test!(
    operators_create_and_revoke_tokens_and_sockets_close,
    |app| {
        let company = company_id(&app, &app.company).await;
        let other = company_id(&app, &app.other).await;

        // Companies cannot manage tokens, their own or anyone's.
        for q in [
            (LIST, json!({ "c": company })),
            (CREATE, json!({ "c": company, "l": "mine" })),
            (AUDIT, json!({})),
        ] {
            let r = app.gql(&app.company, q.0, q.1).await;
            assert_eq!(code(&r), "FORBIDDEN", "{r}");
        }
        // A bad expiry is a clear error.
        let r = app
            .gql(
                &app.operator,
                CREATE,
                json!({ "c": company, "l": "x", "d": 0 }),
            )
            .await;
        assert_eq!(code(&r), "VALIDATION", "{r}");

        let r = app
            .ok(
                &app.operator,
                CREATE,
                json!({ "c": company, "l": "bokföring", "d": 30 }),
            )
            .await;
        let created = &r["createApiToken"];
        let secret = created["secret"].as_str().unwrap().to_string();
        let token_id = created["token"]["id"].as_str().unwrap().to_string();
        assert_eq!(created["token"]["role"], "COMPANY");
        assert_eq!(created["token"]["companyId"], company.as_str());
        assert_eq!(created["token"]["active"], true);
        let expires = created["token"]["expiresAt"].as_str().unwrap();
        assert!(expires.starts_with("2026-12-22"), "{expires}");

        // It works, and it sees its own company alone.
        let r = app.ok(&secret, "{ viewer { name } }", json!({})).await;
        assert_eq!(r["viewer"]["name"], "Norrlands Snickeri AB");

        // Listed without its secret, with when it was last used.
        let r = app.ok(&app.operator, LIST, json!({ "c": company })).await;
        let listed = r["apiTokens"].as_array().unwrap();
        assert!(!r.to_string().contains(&secret));
        let row = listed
            .iter()
            .find(|t| t["id"] == token_id.as_str())
            .unwrap();
        assert_eq!(row["label"], "bokföring");
        assert!(row["lastUsedAt"].is_string(), "{row}");
        let r = app.ok(&app.operator, LIST, json!({ "c": other })).await;
        assert!(
            r["apiTokens"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["id"] != token_id.as_str())
        );

        // Open sockets on both protocols, then revoke: both close with 4403 and
        // HTTP refuses the token at once.
        let mut modern = WsClient::connect(&app.base, Protocol::TransportWs, &secret).await;
        let mut legacy = WsClient::connect(&app.base, Protocol::LegacyWs, &secret).await;
        let r = app
            .ok(&app.operator, REVOKE, json!({ "t": token_id }))
            .await;
        assert_eq!(r["revokeApiToken"]["active"], false);
        assert!(r["revokeApiToken"]["revokedAt"].is_string());
        let r = app.gql(&secret, "{ viewer { name } }", json!({})).await;
        assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
        assert!(r.to_string().contains("revoked"), "{r}");
        assert_eq!(closed_with(&mut modern).await, 4403);
        assert_eq!(closed_with(&mut legacy).await, 4403);
        // A new socket with it is refused.
        let (_c, first) = WsClient::connect_raw(
            &app.base,
            Protocol::TransportWs,
            json!({ "Authorization": format!("Bearer {secret}") }),
        )
        .await;
        assert!(
            !matches!(&first, Some(tokio_tungstenite::tungstenite::Message::Text(t)) if t.contains("connection_ack")),
            "{first:?}"
        );
        // Revoking twice, or a token that does not exist, is a clear error.
        let r = app
            .gql(&app.operator, REVOKE, json!({ "t": "QXBpVG9rZW46OTk5OTk" }))
            .await;
        assert!(["NOT_FOUND", "VALIDATION"].contains(&code(&r)), "{r}");

        // The audit log names who did what, with before and after.
        let r = app.ok(&app.operator, AUDIT, json!({})).await;
        let entries = r["auditLog"]["nodes"].as_array().unwrap().clone();
        let actions: Vec<&str> = entries
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions[..2],
            ["REVOKE_TOKEN", "CREATE_TOKEN"],
            "{actions:?}"
        );
        let revoke = &entries[0];
        assert_eq!(revoke["actor"], "test");
        assert!(revoke["tokenId"].is_string());
        assert_eq!(revoke["companyId"], company.as_str());
        assert!(revoke["before"]["revokedAt"].is_null(), "{revoke}");
        assert!(revoke["after"]["revokedAt"].is_string(), "{revoke}");
        assert!(
            !r.to_string().contains(&secret),
            "the audit log holds a secret"
        );
        let r = app
            .ok(&app.operator, AUDIT, json!({ "a": "CREATE_TOKEN" }))
            .await;
        assert_eq!(r["auditLog"]["totalCount"], 1);
    }
);

db_test!(an_expired_token_is_refused_and_its_sockets_close, |app| {
    let company = company_id(&app, &app.company).await;
    let r = app
        .ok(
            &app.operator,
            CREATE,
            json!({ "c": company, "l": "kort", "d": 1 }),
        )
        .await;
    let secret = r["createApiToken"]["secret"].as_str().unwrap().to_string();
    let mut legacy = WsClient::connect(&app.base, Protocol::LegacyWs, &secret).await;
    let mut modern = WsClient::connect(&app.base, Protocol::TransportWs, &secret).await;
    app.clock.advance(chrono::Duration::hours(25));
    let r = app.gql(&secret, "{ viewer { name } }", json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    assert!(r.to_string().contains("expired"), "{r}");
    assert_eq!(closed_with(&mut legacy).await, 4403);
    assert_eq!(closed_with(&mut modern).await, 4403);
    // The other tokens are untouched.
    app.ok(&app.company, "{ viewer { name } }", json!({})).await;
});

db_test!(operator_actions_are_audited_with_before_and_after, |app| {
    let company = company_id(&app, &app.company).await;
    let activate = "mutation($c: ID!, $a: AgreementInput!) { activateInvoiceSale(companyId: $c, agreement: $a) { active } }";
    let terms = |fee: &str| {
        json!({ "fixedFee": fee, "percentageFee": "2.9", "minimumFee": "0",
                "customerCreditLimit": "100000", "totalCreditLimit": "1000000" })
    };
    app.ok(
        &app.operator,
        activate,
        json!({ "c": company, "a": terms("19.90") }),
    )
    .await;
    app.ok(
        &app.operator,
        activate,
        json!({ "c": company, "a": terms("24.90") }),
    )
    .await;
    let r = app
        .ok(
            &app.operator,
            AUDIT,
            json!({ "a": "ACTIVATE_INVOICE_SALE" }),
        )
        .await;
    let log = &r["auditLog"];
    assert_eq!(log["totalCount"], 2, "{r}");
    let latest = &log["nodes"][0];
    assert_eq!(latest["companyId"], company.as_str());
    assert_eq!(latest["actor"], "test");
    let before = latest["before"].to_string();
    let after = latest["after"].to_string();
    assert!(
        before.contains("1990") || before.contains("19.9"),
        "{before}"
    );
    assert!(after.contains("2490") || after.contains("24.9"), "{after}");
    assert!(log["nodes"][1]["before"].is_null(), "{r}");
    // A refused action leaves no entry.
    let r = app
        .gql(
            &app.company,
            activate,
            json!({ "c": company, "a": terms("0") }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = app.ok(&app.operator, AUDIT, json!({})).await;
    assert_eq!(r["auditLog"]["totalCount"], 2, "{r}");
});

db_test!(
    rate_limits_answer_429_with_retry_after,
    settings = |s| {
        s.rate_limit_per_second = 1;
        s.rate_limit_burst = 3;
        s.anon_rate_limit_per_second = 1;
        s.anon_rate_limit_burst = 2;
    },
    |app| {
        let q = json!({ "query": "{ viewer { name } }" });
        let post = |token: Option<&str>| {
            let mut req = app.client.post(&app.url).json(&q);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send()
        };
        for _ in 0..3 {
            assert_eq!(post(Some(&app.company)).await.unwrap().status(), 200);
        }
        let resp = post(Some(&app.company)).await.unwrap();
        assert_eq!(resp.status(), 429);
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry), "{retry}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(code(&body), "RATE_LIMITED", "{body}");
        // Another token has its own bucket.
        assert_eq!(post(Some(&app.other)).await.unwrap().status(), 200);
        // Without a token (or with a wrong one) the address is limited.
        let mut statuses = Vec::new();
        for _ in 0..2 {
            statuses.push(post(None).await.unwrap().status().as_u16());
        }
        statuses.push(post(Some("ifin_guess")).await.unwrap().status().as_u16());
        assert_eq!(statuses, [200, 200, 429], "{statuses:?}");
        // The bucket refills.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(post(Some(&app.company)).await.unwrap().status(), 200);
        // Operations started over a WebSocket count against the token.
        let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.other).await;
        let mut codes = Vec::new();
        for i in 0..4 {
            let id = format!("q{i}");
            ws.subscribe(&id, "{ viewer { name } }", json!({})).await;
            loop {
                let m = ws
                    .recv_json(Duration::from_secs(5))
                    .await
                    .expect("an answer");
                if m["id"] != id.as_str() {
                    continue;
                }
                match m["type"].as_str() {
                    Some("error") => {
                        codes.push(
                            m["payload"][0]["extensions"]["code"]
                                .as_str()
                                .unwrap_or("?")
                                .to_string(),
                        );
                        break;
                    }
                    Some("next") => {
                        codes.push("OK".to_string());
                        break;
                    }
                    _ => continue,
                }
            }
        }
        assert!(codes.contains(&"RATE_LIMITED".to_string()), "{codes:?}");
    }
);

/// A raw HTTP exchange: sends `head` (and `body` unless the server answers
/// first), returns what came back.
async fn raw(base: &str, head: &str, body: Option<&[u8]>) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    if let Some(b) = body {
        s.write_all(b).await.unwrap();
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

db_test!(
    a_nul_character_anywhere_in_a_request_is_a_validation_error,
    |app| {
        // No stored text can hold one (PostgreSQL refuses it even as a bound
        // value): in a variable, in a literal of the query, or as a raw
        // character of the text, it is refused before anything runs.
        let customers = "{ customers { totalCount } }";
        let before = app.ok(&app.company, customers, json!({})).await;
        let create = "mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }";
        for input in [
            json!({ "name": "a\u{0}b" }),
            json!({ "name": "x", "email": "a\u{0}@example.se" }),
        ] {
            let r = app.gql(&app.company, create, json!({ "i": input })).await;
            assert_eq!(code(&r), "VALIDATION", "{r}");
        }
        for query in [
            "mutation { createCustomer(input: {name: \"a\\u0000b\"}) { id } }",
            "{ invoices(filter: {search: \"\\u0000\"}) { totalCount } }",
            "{ customers(search: \"a\u{0}\") { totalCount } }",
        ] {
            let r = app.gql(&app.company, query, json!({})).await;
            assert_eq!(code(&r), "VALIDATION", "{query}: {r}");
        }
        // Nested in a list of an input, over a WebSocket, in both protocols.
        for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
            let mut ws = WsClient::connect(&app.base, protocol, &app.company).await;
            ws.subscribe(
                "nul",
                "query($f: InvoiceFilter) { invoices(filter: $f) { totalCount } }",
                json!({ "f": { "search": "x\u{0}" } }),
            )
            .await;
            let answer = ws.answer("nul", Duration::from_secs(5)).await;
            assert_eq!(error_code(&answer), Some("VALIDATION"), "{answer}");
        }
        // An escaped backslash before `u0000` is a backslash, and nothing was
        // written by any of it.
        let r = app
            .ok(
                &app.company,
                "{ invoices(filter: {search: \"\\\\u0000\"}) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(r["invoices"]["totalCount"], 0, "{r}");
        assert_eq!(app.ok(&app.company, customers, json!({})).await, before);
    }
);

db_test!(an_oversized_body_gets_a_readable_413, |app| {
    let limit = 262_144usize;
    let big = format!(
        r#"{{"query":"{{ __typename }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(5_000_000)
    );
    // A client that sends it whole reads a 413 every time (no reset).
    for _ in 0..5 {
        let resp = app
            .client
            .post(&app.url)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .expect("the 413 is readable");
        assert_eq!(resp.status(), 413);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(code(&body), "PAYLOAD_TOO_LARGE");
        assert!(body.to_string().contains(&limit.to_string()), "{body}");
    }
    // A client asking `Expect: 100-continue` is told 413, never 100.
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n",
        big.len()
    );
    let answer = raw(&app.base, &head, None).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
    assert!(answer.contains("PAYLOAD_TOO_LARGE"), "{answer}");
    // A chunked body that grows past the limit is refused too.
    let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
    let body: Vec<u8> = chunk.repeat(40).into_bytes();
    let answer = raw(
        &app.base,
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        Some(&body),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // The server is fine afterwards.
    app.ok(&app.company, "{ viewer { name } }", json!({})).await;
});

db_test!(
    a_slow_or_silent_client_is_cut_off,
    settings = |s| {
        s.header_read_timeout_secs = 1;
    },
    |app| {
        let started = std::time::Instant::now();
        // Connects and sends nothing.
        let silent = raw(&app.base, "", None).await;
        // Sends half a header and stops.
        let partial = raw(&app.base, "POST /graphql HTTP/1.1\r\nhost: x\r\n", None).await;
        assert_eq!(silent, "");
        assert_eq!(partial, "");
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
        // A keep-alive connection idle past the timeout is closed after its answer.
        let answer = raw(&app.base, "GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n", None).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        app.ok(&app.company, "{ viewer { name } }", json!({})).await;
    }
);

db_test!(
    connections_over_the_cap_get_503_and_websockets_count,
    settings = |s| {
        s.max_connections = 2;
    },
    |app| {
        let addr = app.base.trim_start_matches("http://").to_string();
        // One idle connection and one WebSocket fill the cap.
        let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = idle.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        let ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
        let answer = raw(&app.base, "GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n", None).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("retry-after: 1"),
            "{answer}"
        );
        assert!(answer.contains("TOO_MANY_CONNECTIONS"), "{answer}");
        // Closing the socket frees its place.
        drop(ws);
        drop(idle);
        until(
            "the freed place to serve a health check",
            || {
                raw(
                    &app.base,
                    "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
                    None,
                )
            },
            |answer: &String| answer.starts_with("HTTP/1.1 200"),
        )
        .await;
    }
);

db_test!(a_websocket_frame_over_the_message_cap_closes_1009, |app| {
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    let huge = format!(
        r#"{{"id":"1","type":"subscribe","payload":{{"query":"{{ __typename }}","variables":{{"x":"{}"}}}}}}"#,
        "a".repeat(1_000_000)
    );
    ws.send_text(&huge).await;
    let code = ws.close_code(Duration::from_secs(5)).await.map(|(c, _)| c);
    assert!(matches!(code, Some(1009) | None), "{code:?}");
    // The server is fine afterwards.
    app.ok(&app.company, "{ viewer { name } }", json!({})).await;
});

const SPOT: &str = "query($id: ID!) { invoiceSale(id: $id) { id samplingDraw spotCheck { rule outcome note } history { kind } } }";

db_test!(
    spot_check_notes_and_draws_stay_with_operators,
    settings = |s| {
        s.spot_check_secret = Some("a spot-check secret of at least 32 characters".into());
    },
    |app| {
        use crate::fixtures::*;
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let invoice = invoice_of_10k(&app, &customer).await;
        let sold = sell(&app, &invoice, "sell-1").await;
        let sale_id = sold["data"]["sellInvoice"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.clock.advance(chrono::Duration::seconds(10));
        wait_for_status(&app, &invoice, "SPOT_CHECK").await;
        app.ok(
            &app.operator,
            "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: CONFIRMED, note: \"Recipient's CFO unsure, check next one too\") { status } }",
            json!({ "id": sale_id }),
        )
        .await;

        let audit = app
            .ok(&app.operator, AUDIT, json!({ "a": "RESOLVE_SPOT_CHECK" }))
            .await;
        let entry = &audit["auditLog"]["nodes"][0];
        assert_eq!(audit["auditLog"]["totalCount"], 1, "{audit}");
        assert!(entry["after"].to_string().contains("CONFIRMED"), "{entry}");
        assert!(
            entry["subject"]
                .as_str()
                .unwrap()
                .starts_with("InvoiceSale:"),
            "{entry}"
        );

        let seen_by_company = app.ok(&app.company, SPOT, json!({ "id": sale_id })).await;
        let c = &seen_by_company["invoiceSale"];
        assert_eq!(c["spotCheck"]["outcome"], "CONFIRMED");
        assert!(c["spotCheck"]["note"].is_null(), "{c}");
        assert!(c["samplingDraw"].is_null(), "{c}");
        assert!(!seen_by_company.to_string().contains("CFO"));

        let seen_by_operator = app.ok(&app.operator, SPOT, json!({ "id": sale_id })).await;
        let o = &seen_by_operator["invoiceSale"];
        assert!(o["spotCheck"]["note"].as_str().unwrap().contains("CFO"));
        // The operator reads the company's sale history as the company does.
        assert_eq!(o["history"], c["history"]);
        let kinds = o["history"].to_string();
        assert!(
            kinds.contains("SUBMITTED") && kinds.contains("SPOT_CHECK_RESOLVED"),
            "{kinds}"
        );
        let draw = o["samplingDraw"].as_i64().unwrap();
        // The operator reproduces the draw from the secret and the ids.
        use invoice_finance::graphql::ids::{AnyId, decode_any};
        let viewer = app.ok(&app.company, "{ viewer { id } }", json!({})).await;
        let Some(AnyId::Company(company)) = decode_any(viewer["viewer"]["id"].as_str().unwrap())
        else {
            panic!("not a company's ID: {viewer}")
        };
        let Some(AnyId::InvoiceSale(sale)) = decode_any(&sale_id) else {
            panic!("not a sale's ID: {sale_id}")
        };
        let key = invoice_finance::domain::sale::SamplingKey::new(
            "a spot-check secret of at least 32 characters".as_bytes(),
        )
        .unwrap();
        assert_eq!(
            draw,
            i64::from(invoice_finance::domain::sale::sampling_draw(
                &key, company, sale
            ))
        );
    }
);

db_test!(a_generated_sampling_key_is_kept_across_restarts, |app| {
    use crate::fixtures::*;
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let invoice = invoice_of_10k(&app, &customer).await;
    let sold = sell(&app, &invoice, "sell-1").await;
    let sale_id = sold["data"]["sellInvoice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before =
        app.ok(&app.operator, SPOT, json!({ "id": sale_id })).await["invoiceSale"]["samplingDraw"]
            .clone();
    assert!(before.is_i64(), "{before}");
    let mut app = app;
    app.restart().await;
    let after =
        app.ok(&app.operator, SPOT, json!({ "id": sale_id })).await["invoiceSale"]["samplingDraw"]
            .clone();
    assert_eq!(before, after);
});

db_test!(metrics_need_an_operator_token_on_the_api_address, |app| {
    let get = |token: Option<&str>| {
        let mut req = app.client.get(format!("{}/metrics", app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(get(Some("ifin_wrong")).await.unwrap().status(), 401);
    assert_eq!(get(Some(&app.company)).await.unwrap().status(), 403);
    let resp = get(Some(&app.operator)).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("invoice_finance_db_queries_total")
    );

    // What operators graph: request durations by operation and outcome, SQL
    // durations, sockets, deliveries, event lag, queues.
    app.ok(&app.company, "query Viewer { viewer { name } }", json!({}))
        .await;
    app.gql(&app.company, "query Broken { viewer { nope } }", json!({}))
        .await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.subscribe("q", "query Socket { viewer { name } }", json!({}))
        .await;
    assert!(ws.next("q", Duration::from_secs(5)).await.is_some());
    // An event: a sale submitted emits one, which the hub dispatches and the
    // socket delivers.
    ws.subscribe(
        "s",
        "subscription { invoiceSaleEvents { kind } }",
        json!({}),
    )
    .await;
    app.listening(1, 1).await;
    {
        use crate::fixtures::*;
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let invoice = invoice_of_10k(&app, &customer).await;
        sell(&app, &invoice, "metrics-1").await;
    }
    let event = ws.next("s", Duration::from_secs(10)).await;
    assert!(event.is_some(), "no event delivered");
    // The socket's writer counts a delivery once its write has returned,
    // which may be a moment after the client has read the frame.
    let counted = [
        "invoice_finance_event_deliveries_total ",
        "invoice_finance_delivery_lag_seconds_count ",
    ];
    let text = until(
        "the event's lag and its delivery in the metrics",
        || async {
            get(Some(&app.operator))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        },
        |text: &String| {
            text.contains("invoice_finance_event_lag_seconds_count")
                && !text.contains("invoice_finance_event_lag_seconds_count 0")
                && counted
                    .iter()
                    .all(|c| text.lines().any(|l| l.starts_with(c) && !l.ends_with(" 0")))
        },
    )
    .await;
    for line in [
        r#"invoice_finance_graphql_request_duration_seconds_count{operation="Viewer",outcome="ok",transport="http"} 1"#,
        r#"invoice_finance_graphql_request_duration_seconds_count{operation="Broken",outcome="refused",transport="http"} 1"#,
        r#"invoice_finance_graphql_request_duration_seconds_count{operation="Socket",outcome="ok",transport="ws"} 1"#,
        "invoice_finance_ws_connections 1",
        "invoice_finance_job_queue_depth ",
        "invoice_finance_oldest_due_job_seconds ",
        "invoice_finance_spot_check_queue_length 0",
        "invoice_finance_outbox_lag_events ",
        r#"invoice_finance_sql_duration_seconds_bucket{outcome="ok",statement="SELECT",le="0.001"}"#,
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    assert!(
        !text.contains("invoice_finance_event_lag_seconds_count 0"),
        "{text}"
    );
});

fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_addr_serves_metrics_apart_and_introspection_can_be_off() {
    let metrics = free_addr();
    let app = TestApp::spawn_with(crate::helpers::Backend::Sqlite, |s| {
        s.metrics_addr = Some(metrics);
        s.introspection = false;
    })
    .await
    .unwrap();
    // The API address has no /metrics, even for operators.
    let resp = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(&app.operator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // The metrics address serves it to a scraper without a token, and nothing else.
    let text = app
        .client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("invoice_finance_db_queries_total"), "{text}");
    let resp = app
        .client
        .post(format!("http://{metrics}/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // Introspection is off: the schema stays hidden, the API still answers.
    let r = app
        .gql(&app.company, "{ __schema { types { name } } }", json!({}))
        .await;
    assert_eq!(code(&r), "INTROSPECTION_DISABLED", "{r}");
    let r = app
        .gql(
            &app.company,
            "query { ...T } fragment T on Query { viewer { name } ... on Query { __type(name: \"Invoice\") { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "INTROSPECTION_DISABLED", "{r}");
    assert!(r.get("data").is_none_or(Value::is_null), "{r}");
    let r = app
        .ok(&app.company, "{ __typename viewer { name } }", json!({}))
        .await;
    assert_eq!(r["viewer"]["name"], "Norrlands Snickeri AB");
}

/// An operation over a WebSocket that runs past REQUEST_TIMEOUT_SECS is
/// stopped with TIMEOUT, and the socket stays usable. A table lock held by
/// another session makes the query wait (PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_operation_past_the_timeout_is_stopped() {
    let Some(app) = TestApp::spawn_with(crate::helpers::Backend::Postgres, |s| {
        s.request_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    let blocker = crate::helpers::Blocker::hold(&app).await;
    let started = std::time::Instant::now();
    ws.subscribe("slow", "{ customers { totalCount } }", json!({}))
        .await;
    let answer = ws.answer("slow", Duration::from_secs(10)).await;
    let took = started.elapsed();
    blocker.release().await;
    assert_eq!(error_code(&answer), Some("TIMEOUT"), "{answer}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // The socket still serves.
    ws.subscribe("fast", "{ viewer { name } }", json!({})).await;
    let next = ws
        .next("fast", Duration::from_secs(5))
        .await
        .expect("an answer");
    assert_eq!(
        next["data"]["viewer"]["name"], "Norrlands Snickeri AB",
        "{next}"
    );
}
