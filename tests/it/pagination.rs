//! Relay connections: keyset cursors, both directions, stable, with filters.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{TestApp, code, field};

const PAGE: &str = "query($f: Int, $a: String, $l: Int, $b: String) { customers(first: $f, after: $a, last: $l, before: $b) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { customerNumber } } } }";

fn numbers(page: &Value) -> Vec<String> {
    page["customers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["customerNumber"].as_str().unwrap().to_string())
        .collect()
}

async fn page(app: &TestApp, vars: Value) -> Value {
    app.ok(&app.company, PAGE, vars).await
}

db_test!(customers_page_forward_and_back, |app| {
    for i in 1..=25 {
        app.customer(&app.company, json!({ "name": format!("Kund {i}") }))
            .await;
    }
    let p1 = page(&app, json!({ "f": 10 })).await;
    assert_eq!(
        numbers(&p1),
        (1..=10).map(|i| i.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(p1["customers"]["totalCount"], 25);
    assert_eq!(p1["customers"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(p1["customers"]["pageInfo"]["hasPreviousPage"], false);
    let end = p1["customers"]["pageInfo"]["endCursor"].clone();
    let p2 = page(&app, json!({ "f": 10, "a": end })).await;
    assert_eq!(
        numbers(&p2),
        (11..=20).map(|i| i.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(p2["customers"]["pageInfo"]["hasPreviousPage"], true);
    let p3 = page(
        &app,
        json!({ "f": 10, "a": p2["customers"]["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(
        numbers(&p3),
        (21..=25).map(|i| i.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(p3["customers"]["pageInfo"]["hasNextPage"], false);

    // Backwards from the start of page 3 gives page 2 again.
    let back = page(
        &app,
        json!({ "l": 10, "b": p3["customers"]["pageInfo"]["startCursor"] }),
    )
    .await;
    assert_eq!(numbers(&back), numbers(&p2));
    assert_eq!(back["customers"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(back["customers"]["pageInfo"]["hasNextPage"], true);
    let last = page(&app, json!({ "l": 3 })).await;
    assert_eq!(numbers(&last), vec!["23", "24", "25"]);

    // Stable: rows added meanwhile do not shift a cursor's page.
    app.customer(&app.company, json!({ "name": "Sen kund" }))
        .await;
    let again = page(&app, json!({ "f": 10, "a": end })).await;
    assert_eq!(numbers(&again), numbers(&p2));

    // Search.
    let r = app
        .ok(
            &app.company,
            "{ customers(search: \"kund 2\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r["customers"]["totalCount"], 7); // 2, 20..25
    let r = app
        .ok(
            &app.company,
            "{ customers(search: \"100%_\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r["customers"]["totalCount"], 0);

    // Bad arguments.
    for (vars, f) in [
        (json!({ "f": 101 }), "first"),
        (json!({ "f": -1 }), "first"),
        (json!({ "f": 1, "l": 1 }), "last"),
        (json!({ "a": "bogus" }), "after"),
    ] {
        let r = app.gql(&app.company, PAGE, vars.clone()).await;
        assert_eq!((code(&r), field(&r)), ("VALIDATION", f), "{vars}");
    }
});

async fn list(app: &TestApp, filter: Value) -> Vec<String> {
    let r = app
        .ok(&app.company, "query($f: InvoiceFilter) { invoices(filter: $f) { totalCount edges { node { invoiceNumber status } } } }", json!({ "f": filter }))
        .await;
    r["invoices"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["invoiceNumber"].as_str().unwrap().to_string())
        .collect()
}

db_test!(
    invoices_filter_by_status_customer_date_search_and_sent,
    |app| {
        let c1 = app.full_customer(&app.company).await;
        let c2 = app
            .customer(&app.company, json!({ "name": "Anna Lindqvist" }))
            .await;
        let mk = |customer: String, date: &'static str, terms: &'static str| {
            json!({ "i": { "customerId": customer, "invoiceDate": date, "termsOfPayment": terms,
            "rows": [{ "description": "x", "quantity": "1", "unitPrice": "100", "vatRate": "25" }] } })
        };
        let create =
            "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id invoiceNumber dueDate } }";
        let overdue = app
            .ok(&app.company, create, mk(c1.clone(), "2026-09-01", "30"))
            .await["createInvoice"]
            .clone();
        let unpaid = app
            .ok(&app.company, create, mk(c1.clone(), "2026-11-20", "30"))
            .await["createInvoice"]
            .clone();
        let paid = app
            .ok(&app.company, create, mk(c2.clone(), "2026-11-01", "10"))
            .await["createInvoice"]
            .clone();
        let cancelled = app
            .ok(&app.company, create, mk(c2.clone(), "2026-11-02", "10"))
            .await["createInvoice"]
            .clone();
        assert_eq!(overdue["dueDate"], "2026-10-01");
        app.ok(&app.company, "mutation($id: ID!) { registerPayment(invoiceId: $id, amount: \"125\", paidOn: \"2026-11-10\", payer: CUSTOMER, idempotencyKey: \"k-pagination-1\") { id } }", json!({ "id": paid["id"] })).await;
        app.ok(
            &app.company,
            "mutation($id: ID!) { cancelInvoice(id: $id) { id } }",
            json!({ "id": cancelled["id"] }),
        )
        .await;
        app.ok(
            &app.company,
            "mutation($id: ID!) { markInvoiceSent(id: $id) { id } }",
            json!({ "id": overdue["id"] }),
        )
        .await;

        let n = |v: &Value| v["invoiceNumber"].as_str().unwrap().to_string();
        // Newest first.
        assert_eq!(
            list(&app, json!({})).await,
            vec![n(&cancelled), n(&paid), n(&unpaid), n(&overdue)]
        );
        assert_eq!(
            list(&app, json!({ "status": ["OVERDUE"] })).await,
            vec![n(&overdue)]
        );
        assert_eq!(
            list(&app, json!({ "status": ["PAID", "CANCELLED"] })).await,
            vec![n(&cancelled), n(&paid)]
        );
        assert_eq!(
            list(&app, json!({ "status": ["UNPAID"] })).await,
            vec![n(&unpaid)]
        );
        assert_eq!(
            list(&app, json!({ "customerId": c2 })).await,
            vec![n(&cancelled), n(&paid)]
        );
        assert_eq!(
            list(&app, json!({ "dueBefore": "2026-11-13" })).await,
            vec![n(&cancelled), n(&paid), n(&overdue)]
        );
        assert_eq!(
            list(&app, json!({ "sent": true })).await,
            vec![n(&overdue),]
        );
        assert_eq!(
            list(&app, json!({ "search": "anna" })).await,
            vec![n(&cancelled), n(&paid)]
        );
        assert_eq!(
            list(&app, json!({ "search": n(&unpaid) })).await,
            vec![n(&unpaid)]
        );
        assert_eq!(
            list(&app, json!({ "status": ["OVERDUE"], "customerId": c2 })).await,
            Vec::<String>::new()
        );

        // "Overdue" follows the Stockholm calendar of the injected clock.
        app.clock.set(
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 20, 23, 30, 0).unwrap(),
        );
        assert_eq!(
            list(&app, json!({ "status": ["OVERDUE"] })).await,
            vec![n(&unpaid), n(&overdue)]
        );
    }
);

/// The names of the customers `search` finds.
async fn customers_found(app: &TestApp, search: &str) -> Vec<String> {
    let r = app
        .ok(
            &app.company,
            "query($s: String) { customers(search: $s) { nodes { name } } }",
            json!({ "s": search }),
        )
        .await;
    r["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A customer of each name with an invoice of 100: the customers' ids and
/// the invoices' numbers.
async fn customers_with_an_invoice(app: &TestApp, names: &[&str]) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut numbers) = (Vec::new(), Vec::new());
    for name in names {
        let c = app.customer(&app.company, json!({ "name": name })).await;
        let id = app.invoice(&app.company, &c, "100").await;
        let r = app
            .ok(
                &app.company,
                "query($id: ID!) { invoice(id: $id) { invoiceNumber } }",
                json!({ "id": id }),
            )
            .await;
        numbers.push(r["invoice"]["invoiceNumber"].as_str().unwrap().to_string());
        ids.push(c);
    }
    (ids, numbers)
}

db_test!(a_search_finds_its_text_literally_whatever_it_holds, |app| {
    // Names with the characters SQL strings and LIKE patterns treat
    // specially; a search finds each as written, case-insensitively.
    let names = ["O'Brien AB", "100% Bygg_AB", "Back\\slash!AB", "Vanlig AB"];
    let (_, numbers) = customers_with_an_invoice(&app, &names).await;
    let found = |search: &'static str| {
        let app = &app;
        async move { list(app, json!({ "search": search })).await }
    };
    assert_eq!(found("o'brien").await, [numbers[0].clone()]);
    assert_eq!(found("100%").await, [numbers[1].clone()]);
    assert_eq!(found("%").await, [numbers[1].clone()]);
    assert_eq!(found("_").await, [numbers[1].clone()]);
    assert_eq!(found("!").await, [numbers[2].clone()]);
    assert_eq!(found("\\").await, [numbers[2].clone()]);
    assert_eq!(found("SLASH!ab").await, [numbers[2].clone()]);
    assert!(found("'); DELETE FROM invoice; --").await.is_empty());
    assert!(found("? $1 :a").await.is_empty());
    assert!(found("'").await.len() == 1);
    // A backslash before `u0000` is a backslash, not a NUL.
    assert!(found("\\u0000").await.is_empty());
    // Nothing was changed by any of it.
    assert_eq!(list(&app, json!({})).await.len(), 4);
});

db_test!(a_search_finds_swedish_letters_in_either_case, |app| {
    // Å, Ä and Ö (and other letters beyond ASCII) match whatever their case
    // in the search and in the name, on both databases: SQLite's LOWER and
    // LIKE fold ASCII letters only. Other accents do not count.
    let customers = ["Åsa Öberg", "ÄNGELHOLMS BYGG AB", "Café Ünal"];
    let (ids, numbers) = customers_with_an_invoice(&app, &customers).await;
    let check = |stage: &'static str| {
        let app = &app;
        let numbers = numbers.clone();
        async move {
            for (search, at) in [
                ("åsa", 0),
                ("ÅSA", 0),
                ("Öberg", 0),
                ("öBERG", 0),
                ("ängelholms", 1),
                ("Ängel", 1),
                ("CAFÉ", 2),
                ("ünal", 2),
                // Accents other than Swedish letters' are ignored too.
                ("cafe", 2),
                ("UNAL", 2),
            ] {
                let found = list(app, json!({ "search": search })).await;
                assert_eq!(found, [numbers[at].clone()], "{stage}: invoices, {search}");
                assert_eq!(
                    customers_found(app, search).await,
                    [customers[at]],
                    "{stage}: customers, {search}"
                );
            }
            // Å, Ä and Ö are letters of their own: "asa" is not "Åsa".
            for search in ["åsa ä", "asa", "oberg", "angelholm"] {
                assert!(
                    list(app, json!({ "search": search })).await.is_empty(),
                    "{search}"
                );
                assert!(customers_found(app, search).await.is_empty(), "{search}");
            }
        }
    };
    check("as written").await;
    // A renamed customer is found by its new name, and no longer by its old.
    app.ok(
        &app.company,
        "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Östen Ågren\" }) { name } }",
        json!({ "id": ids[0] }),
    )
    .await;
    let r = app
        .ok(
            &app.company,
            "{ a: customers(search: \"ÖSTEN\") { totalCount } b: customers(search: \"åsa\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (&r["a"]["totalCount"], &r["b"]["totalCount"]),
        (&json!(1), &json!(0)),
        "{r}"
    );
    app.ok(
        &app.company,
        "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Åsa Öberg\" }) { name } }",
        json!({ "id": ids[0] }),
    )
    .await;
    check("renamed back").await;
    // Names written before the lower-cased columns existed are lower-cased
    // when the database is migrated.
    crate::helpers::migrate_again_from(&app, "m20261207_000021").await;
    check("after migrating").await;
    // And their sort keys: Swedish alphabetical order, Å before Ä.
    let r = app
        .ok(
            &app.company,
            "{ invoices(orderBy: { field: CUSTOMER_NAME, direction: ASC }) { nodes { customerName } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r["invoices"]["nodes"],
        json!([{ "customerName": "Café Ünal" }, { "customerName": "Åsa Öberg" }, { "customerName": "ÄNGELHOLMS BYGG AB" }])
    );
});

db_test!(a_customer_is_found_by_its_identity_number_as_typed, |app| {
    // Stored as 559345-6782 and 19121212-1212; users type them with or
    // without the hyphen, and a personnummer with or without its century.
    for (name, number) in [("Bolaget AB", "5593456782"), ("Tolvan", "191212121212")] {
        app.customer(
            &app.company,
            json!({ "name": name, "organisationNumber": number }),
        )
        .await;
    }
    app.customer(&app.company, json!({ "name": "Utan nummer" }))
        .await;
    for (search, name) in [
        ("559345-6782", "Bolaget AB"),
        ("5593456782", "Bolaget AB"),
        ("3456782", "Bolaget AB"),
        ("19121212-1212", "Tolvan"),
        ("121212-1212", "Tolvan"),
        ("1212121212", "Tolvan"),
        ("191212121212", "Tolvan"),
        ("121212+1212", "Tolvan"),
    ] {
        assert_eq!(customers_found(&app, search).await, [name], "{search}");
    }
    // Digits that stand in no number find none.
    for search in ["99999", "55934567821", "1212-9999"] {
        assert!(customers_found(&app, search).await.is_empty(), "{search}");
    }
});

/// On PostgreSQL the server's connections keep one generic plan per prepared
/// statement (its pages are planned once, not at each request); a
/// `DATABASE_URL` that sets `plan_cache_mode` itself keeps its own choice.
#[tokio::test]
async fn postgres_connections_keep_one_plan_per_statement_unless_told_otherwise() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let Some(url) = crate::helpers::postgres_url() else {
        return;
    };
    async fn mode(url: &str, setting: &str) -> String {
        let db = invoice_finance::db::connect(url).await.unwrap();
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SHOW {setting}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    }
    assert_eq!(mode(&url, "plan_cache_mode").await, "force_generic_plan");
    let sep = if url.contains('?') { '&' } else { '?' };
    let own = format!("{url}{sep}options=-c%20plan_cache_mode%3Dauto");
    assert_eq!(mode(&own, "plan_cache_mode").await, "auto");
    // Backslashes in string literals stay literal characters, whatever the
    // URL asks: the store writes a search's pattern into its SQL.
    assert_eq!(mode(&url, "standard_conforming_strings").await, "on");
    let off = format!("{url}{sep}options=-c%20standard_conforming_strings%3Doff");
    assert_eq!(mode(&off, "standard_conforming_strings").await, "on");
}

/// The search's trigram indexes need `pg_trgm`; a role that may not create
/// the extension still migrates, without them (the search then reads every
/// invoice of the company, as on SQLite).
#[tokio::test]
async fn migrating_without_pg_trgm_leaves_the_search_indexes_out() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    use sqlx::Connection;

    let Some(admin) = crate::helpers::postgres_url() else {
        return;
    };
    async fn run(c: &mut sqlx::PgConnection, statements: &[String]) {
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
    let name = format!("it_{}", uuid::Uuid::new_v4().simple());
    let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
    let create = [
        format!("CREATE ROLE \"{name}\" LOGIN"),
        format!("CREATE DATABASE \"{name}\""),
    ];
    run(&mut c, &create).await;
    let own = crate::helpers::with_database(&admin, &name);
    let mut o = sqlx::PgConnection::connect(&own).await.unwrap();
    let grant = [format!(
        "GRANT CREATE, USAGE ON SCHEMA public TO \"{name}\""
    )];
    run(&mut o, &grant).await;
    let mut as_role = reqwest::Url::parse(&own).unwrap();
    as_role.set_username(&name).unwrap();
    let db = invoice_finance::db::connect(as_role.as_str())
        .await
        .unwrap();
    invoice_finance::db::migrate(&db).await.unwrap();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<i64>(0)
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM pg_indexes WHERE indexname LIKE 'ix_invoice_search%'").await,
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_trgm'").await,
        0
    );
    db.close().await.unwrap();
    drop(o);
    let drop_all = [
        format!("DROP DATABASE \"{name}\" WITH (FORCE)"),
        format!("DROP ROLE \"{name}\""),
    ];
    run(&mut c, &drop_all).await;
}

/// Records are read by position on PostgreSQL with each column's type
/// checked from the row description: a NULL in a non-optional column or a
/// column of another type is an error, never a panic or a wrong number.
#[tokio::test]
async fn a_record_read_by_position_refuses_a_null_or_another_type() {
    use invoice_finance::store::rows::{self, Check, FromColumns, Width};
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let Some(url) = crate::helpers::postgres_url() else {
        return;
    };
    let db = invoice_finance::db::connect(&url).await.unwrap();
    let row = |sql: String| {
        let db = db.clone();
        async move {
            db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let read = |sql: String| {
        let row = row(sql);
        async move { entity::customer::Model::read(&row.await, &mut 0, Check::Types, Width::Full) }
    };
    // The absent right side of an outer join: a NULL id, yet its columns'
    // types are checked all the same.
    let absent_in = |sql: String, width: Width| {
        let row = row(sql);
        async move { rows::optional::<entity::customer::Model>(&row.await, &mut 0, Check::Types, width) }
    };
    let absent = |sql: String| absent_in(sql, Width::Full);
    let columns = "1::bigint, 2::bigint, 'K1'::text, 'Kund AB'::text, NULL::text, NULL::text, \
                   NULL::text, NULL::text, NULL::text, NULL::text, 'SE'::text, now(), now(), \
                   'kund ab'::text, 'kund ab'::text, '0211'::text";
    let good = read(format!("SELECT {columns}")).await.unwrap();
    assert_eq!(
        (good.id, good.company_id, good.name.as_deref()),
        (1, 2, Some("Kund AB"))
    );
    // The customer number is not optional.
    let null = columns.replacen("'K1'::text", "NULL::text", 1);
    assert!(read(format!("SELECT {null}")).await.is_err());
    // Text where the id is a number: eight bytes that would read as one.
    let text = columns.replacen("1::bigint", "'12345678'::text", 1);
    assert!(read(format!("SELECT {text}")).await.is_err());
    let no_id = columns.replacen("1::bigint", "NULL::bigint", 1);
    assert_eq!(absent(format!("SELECT {no_id}")).await.unwrap(), None);
    let no_id_and_text = no_id.replacen("2::bigint", "'2'::text", 1);
    assert!(absent(format!("SELECT {no_id_and_text}")).await.is_err());

    // Brief: id, company, number, name and the address; the rest default.
    let brief = "1::bigint, 2::bigint, 'K1'::text, 'Kund AB'::text, NULL::text, 'Storgatan 1'::text, \
                 '90326'::text, 'Umeå'::text, 'SE'::text";
    let r = row(format!("SELECT {brief}")).await;
    let c = entity::customer::Model::read(&r, &mut 0, Check::Types, Width::Brief).unwrap();
    assert_eq!(
        (c.id, c.customer_number.as_str(), c.city.as_deref(), c.phone),
        (1, "K1", Some("Umeå"), None)
    );
    let text = brief.replacen("2::bigint", "'2'::text", 1);
    let r = row(format!("SELECT {text}")).await;
    assert!(entity::customer::Model::read(&r, &mut 0, Check::Types, Width::Brief).is_err());
    let no_id = brief.replacen("1::bigint", "NULL::bigint", 1);
    assert_eq!(
        absent_in(format!("SELECT {no_id}"), Width::Brief)
            .await
            .unwrap(),
        None
    );
    let no_id_and_text = no_id.replacen("'90326'::text", "90326", 1);
    assert!(
        absent_in(format!("SELECT {no_id_and_text}"), Width::Brief)
            .await
            .is_err()
    );
}

db_test!(
    every_invoice_filter_serves_a_page_with_its_customer_and_sale,
    |app| {
        crate::fixtures::activate(&app, crate::fixtures::agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let sold = crate::fixtures::invoice_of_10k(&app, &customer).await;
        let kept = crate::fixtures::invoice_of_10k(&app, &customer).await;
        let r = crate::fixtures::sell(&app, &sold, "filters").await;
        assert!(r.get("errors").is_none(), "{r}");
        // The list's columns read the customer and the sale with the page (one
        // statement joining their tables); the filters must still name their
        // own table's columns.
        let wide = "query($f: InvoiceFilter, $o: InvoiceOrder) { invoices(first: 10, filter: $f, orderBy: $o) { totalCount nodes { id customer { name } sale { status } listIcon { kind } } } }";
        let narrow = "query($f: InvoiceFilter, $o: InvoiceOrder) { invoices(first: 10, filter: $f, orderBy: $o) { totalCount nodes { id } } }";
        let live = json!(["PROCESSING", "SPOT_CHECK", "APPROVED", "PAID_OUT"]);
        let filters = [
            (json!({ "handedToNoxFinans": false }), vec![&kept, &sold]),
            (json!({ "handedToNoxFinans": true }), vec![]),
            (json!({ "saleStatus": live }), vec![&sold]),
            (
                json!({ "saleStatus": live, "handedToNoxFinans": false, "status": ["SOLD", "UNPAID", "OVERDUE"] }),
                vec![&sold],
            ),
            (
                json!({ "handedToNoxFinans": false, "search": "bygg", "customerId": customer }),
                vec![&kept, &sold],
            ),
        ];
        let orders = [
            json!(null),
            json!({ "field": "CUSTOMER_NAME", "direction": "ASC" }),
            json!({ "field": "NUMBER", "direction": "DESC" }),
        ];
        let ids = |r: &Value| -> Vec<String> {
            r["invoices"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_string())
                .collect()
        };
        for (filter, expected) in &filters {
            for order in &orders {
                let vars = json!({ "f": filter, "o": order });
                let w = app.ok(&app.company, wide, vars.clone()).await;
                let n = app.ok(&app.company, narrow, vars).await;
                assert_eq!(ids(&w), ids(&n), "{filter} by {order}");
                assert_eq!(w["invoices"]["totalCount"], n["invoices"]["totalCount"]);
                let mut got = ids(&w);
                got.sort();
                let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
                want.sort();
                assert_eq!(got, want, "{filter} by {order}");
            }
        }
    }
);

/// Walks the connection that `query` (with `$a` as its `after`, and `vars`)
/// selects at `path`, two items a page, as `token`; how many items the pages
/// showed and the `totalCount` of the first page.
async fn walk(app: &TestApp, token: &str, query: &str, vars: &Value, path: &[&str]) -> (u64, u64) {
    let (mut seen, mut total, mut vars) = (0, None, vars.clone());
    loop {
        let mut conn = app.ok(token, query, vars.clone()).await;
        for p in path {
            conn = conn[*p].take();
        }
        let n = conn["nodes"].as_array().unwrap().len() as u64;
        assert!(n <= 2, "{conn}");
        seen += n;
        total.get_or_insert(conn["totalCount"].as_u64().unwrap());
        if conn["pageInfo"]["hasNextPage"] != true {
            return (seen, total.unwrap());
        }
        vars["a"] = conn["pageInfo"]["endCursor"].clone();
    }
}

db_test!(every_list_counts_what_its_pages_show, |app| {
    use crate::fixtures::{activate, agreement, morning, sell_and_confirm, sell_to_spot_check};
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let mut invoices = Vec::new();
    for price in ["1000", "2000", "3000", "4000", "5000"] {
        invoices.push(app.invoice(&app.company, &customer, price).await);
    }
    // Three sales paid out, one waiting for its spot check, one withdrawn.
    for (i, invoice) in invoices[..3].iter().enumerate() {
        sell_and_confirm(&app, invoice, &format!("paid-{i}")).await;
    }
    app.clock.set(morning(2026, 11, 23));
    for invoice in &invoices[..3] {
        crate::fixtures::wait_for_status(&app, invoice, "PAID_OUT").await;
    }
    sell_to_spot_check(&app, &invoices[3], "waiting").await;
    for phone in ["0701234567", "0707654321", "0701112233"] {
        app.ok(
            &app.company,
            "mutation($p: String!) { requestInvoiceSaleContact(phone: $p) }",
            json!({ "p": phone }),
        )
        .await;
    }
    let company =
        app.ok(&app.company, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();

    let page = "totalCount pageInfo { hasNextPage endCursor } nodes { __typename }";
    let company_lists = [
        (
            "customers",
            format!("customers(first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "invoiceSales",
            format!("invoiceSales(first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "invoiceSales",
            format!("invoiceSales(status: PAID_OUT, first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "vouchers",
            format!("vouchers(first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "vouchers",
            format!("vouchers(from: \"2026-11-23\", first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "notifications",
            format!("notifications(first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "statement",
            format!(
                "statement(from: \"2026-11-01\", to: \"2026-11-30\") {{ entries(first: 2, after: $a) {{ {page} }} }}"
            ),
        ),
    ];
    let mut counts = Vec::new();
    for (field, selection) in &company_lists {
        let query = format!("query($a: String) {{ {selection} }}");
        let path: &[&str] = if *field == "statement" {
            &["statement", "entries"]
        } else {
            &[field]
        };
        let (seen, total) = walk(&app, &app.company, &query, &json!({}), path).await;
        assert_eq!(seen, total, "{selection}");
        counts.push(seen);
    }
    // The filtered lists show fewer rows than the whole, and none is empty.
    assert_eq!(counts[0], 1, "customers");
    assert_eq!((counts[1], counts[2]), (4, 3), "sales, paid out");
    assert!(
        counts[3] > counts[4] && counts[4] > 0,
        "vouchers: {counts:?}"
    );
    assert!(counts[5] > 2 && counts[6] > 2, "{counts:?}");

    let operator_lists = [
        (
            "spotCheckQueue",
            format!("spotCheckQueue(first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "contactRequests",
            format!("contactRequests(first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "deadJobs",
            format!("deadJobs(first: 2, after: $a) {{ {page} }}"),
        ),
        (
            "auditLog",
            format!("auditLog(companyId: $c, first: 2, after: $a) {{ {page} }}"),
        ),
    ];
    let mut counts = Vec::new();
    for (field, selection) in &operator_lists {
        let company_var = if selection.contains("$c") {
            ", $c: ID"
        } else {
            ""
        };
        let query = format!("query($a: String{company_var}) {{ {selection} }}");
        let vars = json!({ "c": company });
        let (seen, total) = walk(&app, &app.operator, &query, &vars, &[field]).await;
        assert_eq!(seen, total, "{selection}");
        counts.push(seen);
    }
    assert_eq!(
        counts[..3],
        [1, 3, 0],
        "spot checks, contact requests, dead jobs"
    );
    assert!(counts[3] >= 4, "audit entries of the company: {counts:?}");
});
