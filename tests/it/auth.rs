//! Authentication and roles.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::code;

async fn raw(app: &crate::helpers::TestApp, auth: Option<&str>, query: &str) -> (u16, Value) {
    let mut req = app.client.post(&app.url).json(&json!({ "query": query }));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

db_test!(missing_or_bad_tokens_are_unauthenticated, |app| {
    let (_, body) = raw(&app, None, "{ viewer { name } }").await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert!(body["data"].is_null());

    // An empty bearer token (GraphiQL's prefilled header) counts as none.
    let (status, body) = raw(&app, Some("Bearer "), "{ viewer { name } }").await;
    assert_eq!((status, code(&body)), (200, "UNAUTHENTICATED"));
    for bad in [
        "Bearer ifin_not-a-real-token",
        "Basic abc",
        "ifin_x",
        "Bearer x",
    ] {
        let (status, body) = raw(&app, Some(bad), "{ viewer { name } }").await;
        assert_eq!(status, 401, "{bad}: {body}");
        assert_eq!(code(&body), "UNAUTHENTICATED", "{bad}");
    }
    // A token of the right shape whose hash is unknown.
    let forged = format!("Bearer {}x", &app.company[..app.company.len() - 1]);
    let (status, body) = raw(&app, Some(&forged), "{ viewer { name } }").await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"));

    // Mutations are refused as well, and nothing is written.
    let (_, body) = raw(
        &app,
        None,
        r#"mutation { createCustomer(input: {name: "X"}) { id } }"#,
    )
    .await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let data = app
        .ok(&app.company, "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(data["customers"]["totalCount"], 0);
});

db_test!(tokens_act_for_their_company, |app| {
    let a = app
        .ok(
            &app.company,
            "{ viewer { name organisationNumber } }",
            json!({}),
        )
        .await;
    assert_eq!(a["viewer"]["name"], "Norrlands Snickeri AB");
    let b = app.ok(&app.other, "{ viewer { name } }", json!({})).await;
    assert_eq!(b["viewer"]["name"], "Café Blomman AB");
});

db_test!(operators_cannot_use_company_operations, |app| {
    let resp = app
        .gql(&app.operator, "{ viewer { name } }", json!({}))
        .await;
    assert_eq!(code(&resp), "FORBIDDEN");
    let resp = app
        .gql(
            &app.operator,
            r#"mutation { createCustomer(input: {name: "X"}) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "FORBIDDEN");
});

db_test!(introspection_needs_no_token, |app| {
    let (status, body) = raw(&app, None, "{ __schema { queryType { name } } }").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_stored_hashed() {
    use sea_orm::EntityTrait;
    let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let rows = entity::api_token::Entity::find().all(&db).await.unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert_eq!(r.token_hash.len(), 64);
        assert_ne!(r.token_hash, app.company);
        assert!(!r.token_hash.contains("ifin_"));
    }
    assert!(
        [&app.company, &app.other, &app.operator]
            .iter()
            .all(|t| t.starts_with("ifin_") && t.len() > 40)
    );
}
