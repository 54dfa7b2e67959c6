//! The invoice list's sort orders: each pages by cursor in both directions
//! and agrees with the same order computed here from the whole list.

use serde_json::{Value, json};

use crate::db_test;
use crate::fixtures::invoice_on;

const PAGE: &str = "query($o: InvoiceOrder, $f: Int, $a: String, $l: Int, $b: String) {
  invoices(orderBy: $o, first: $f, after: $a, last: $l, before: $b) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { invoiceNumber invoiceDate dueDate total customerName customer { name } sale { status } } } }";

fn numbers(page: &Value) -> Vec<String> {
    page["invoices"]["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| n["invoiceNumber"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The whole list in `order`, read forward `size` at a time, each page as
/// `read` gives it; every page but the first has a previous one.
async fn forward(
    app: &crate::helpers::TestApp,
    order: &Value,
    size: u32,
    read: impl Fn(&Value) -> Vec<String>,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    for first in [true].into_iter().chain(std::iter::repeat(false)) {
        let p = app
            .ok(
                &app.company,
                PAGE,
                json!({ "o": order, "f": size, "a": after }),
            )
            .await;
        let info = &p["invoices"]["pageInfo"];
        assert_eq!(info["hasPreviousPage"], !first, "{order}");
        seen.extend(read(&p));
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].clone();
    }
    seen
}

fn sort_key(node: &Value, field: &str) -> String {
    let number: u64 = node["invoiceNumber"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let value = match field {
        "NUMBER" => String::new(),
        "INVOICE_DATE" => node["invoiceDate"].as_str().unwrap_or("").to_string(),
        "DUE_DATE" => node["dueDate"].as_str().unwrap_or("").to_string(),
        "TOTAL" => {
            let t: f64 = node["total"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0.0);
            format!("{:015.2}", t)
        }
        _ => node["customerName"].as_str().unwrap_or("").to_string(),
    };
    format!("{value}\u{0}{number:012}")
}

db_test!(invoice_list_sorts_page_both_ways, |app| {
    let anna = app
        .customer(&app.company, json!({ "name": "Anna AB" }))
        .await;
    let bertil = app
        .customer(&app.company, json!({ "name": "Bertil AB" }))
        .await;
    let cecilia = app
        .customer(&app.company, json!({ "name": "Cecilia AB" }))
        .await;
    let plan = [
        (&bertil, "2026-11-03", "30", "500"),
        (&anna, "2026-11-01", "10", "1500"),
        (&cecilia, "2026-11-03", "20", "500"),
        (&anna, "2026-10-28", "30", "90"),
        (&bertil, "2026-11-10", "10", "12000"),
        (&cecilia, "2026-11-01", "30", "1500"),
        (&anna, "2026-11-03", "15", "700"),
        (&bertil, "2026-10-30", "20", "90"),
        (&cecilia, "2026-11-12", "10", "3000"),
        (&anna, "2026-11-03", "30", "500"),
        (&bertil, "2026-11-01", "15", "640"),
    ];
    for (c, date, terms, price) in plan {
        invoice_on(&app, c, date, terms, price).await;
    }
    let all = app.ok(&app.company, PAGE, json!({ "f": 100 })).await;
    let nodes = all["invoices"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), plan.len());
    for field in [
        "NUMBER",
        "INVOICE_DATE",
        "DUE_DATE",
        "TOTAL",
        "CUSTOMER_NAME",
    ] {
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            let mut expected = nodes.clone();
            expected.sort_by_key(|n| sort_key(n, field));
            if direction == "DESC" {
                expected.reverse();
            }
            let expected: Vec<String> = expected
                .iter()
                .map(|n| n["invoiceNumber"].as_str().unwrap_or("?").to_string())
                .collect();

            // Forward, four at a time.
            let seen = forward(&app, &order, 4, numbers).await;
            assert_eq!(seen, expected, "forward {field} {direction}");

            // Backward from the end, four at a time.
            let mut back: Vec<String> = Vec::new();
            let mut before = Value::Null;
            loop {
                let p = app
                    .ok(
                        &app.company,
                        PAGE,
                        json!({ "o": order, "l": 4, "b": before }),
                    )
                    .await;
                let info = &p["invoices"]["pageInfo"];
                assert_eq!(info["hasNextPage"], !back.is_empty(), "{field} {direction}");
                let mut page = numbers(&p);
                page.extend(back);
                back = page;
                if info["hasPreviousPage"] != true {
                    break;
                }
                before = info["startCursor"].clone();
            }
            assert_eq!(back, expected, "backward {field} {direction}");
        }
    }
    // The joined customer is the invoice's own.
    for n in &nodes {
        assert_eq!(n["customer"]["name"], n["customerName"]);
        assert_eq!(n["sale"], Value::Null);
    }
});

db_test!(customer_names_sort_in_swedish_alphabetical_order, |app| {
    // Case and accents do not decide the order; Å, Ä and Ö come after Z, in
    // that order (Æ with Ä, Ø with Ö), and Ü sorts as Y, as Swedish
    // dictionaries and telephone books have it. A name left out sorts first.
    let sorted = [
        "", "anna", "Bertil", "Émile", "Erik", "Ülla", "Zeta", "åsa", "Ärla", "Ærø", "Östen",
    ];
    let mut shuffled = sorted.to_vec();
    shuffled.reverse();
    shuffled.swap(2, 7);
    for name in &shuffled {
        let input = if name.is_empty() {
            json!({ "customerNumber": "utan-namn" })
        } else {
            json!({ "name": name })
        };
        let c = app.customer(&app.company, input).await;
        invoice_on(&app, &c, "2026-11-03", "30", "100").await;
    }
    for (direction, expected) in [
        ("ASC", sorted.to_vec()),
        ("DESC", sorted.iter().rev().copied().collect()),
    ] {
        let order = json!({ "field": "CUSTOMER_NAME", "direction": direction });
        // Three at a time, so that cursors fall between the letters.
        let names = |p: &Value| {
            p["invoices"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| n["customerName"].as_str().unwrap_or("").to_string())
                .collect()
        };
        assert_eq!(
            forward(&app, &order, 3, names).await,
            expected,
            "{direction}"
        );
    }
});
