//! The invoice and customer lists' sort orders: each pages by cursor in
//! both directions and agrees with the same order computed here from the
//! whole list.

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

const CUSTOMERS: &str = "query($o: CustomerOrder, $f: Int, $a: String, $l: Int, $b: String) {
  customers(orderBy: $o, first: $f, after: $a, last: $l, before: $b) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id name } } }";

/// The whole customer list in `order`, `size` at a time: forward from the
/// start, or backward from the end (and then put in list order). Each
/// page's flags say whether rows lie beyond it; each row is (id, name).
async fn customers_in(
    app: &crate::helpers::TestApp,
    order: &Value,
    size: u32,
    forward: bool,
) -> Vec<(String, String)> {
    let (this_way, other_way, cursor, size_var, cursor_var) = if forward {
        ("hasNextPage", "hasPreviousPage", "endCursor", "f", "a")
    } else {
        ("hasPreviousPage", "hasNextPage", "startCursor", "l", "b")
    };
    let mut pages: Vec<Vec<(String, String)>> = Vec::new();
    let mut at = Value::Null;
    loop {
        let mut vars = json!({ "o": order });
        vars[size_var] = json!(size);
        vars[cursor_var] = at.clone();
        let p = app.ok(&app.company, CUSTOMERS, vars).await;
        let info = &p["customers"]["pageInfo"];
        assert_eq!(info[other_way], !pages.is_empty(), "{order} {p}");
        pages.push(
            p["customers"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| {
                    let name = n["name"].as_str().unwrap_or("").to_string();
                    (n["id"].as_str().unwrap().to_string(), name)
                })
                .collect(),
        );
        if info[this_way] != true {
            break;
        }
        at = info[cursor].clone();
    }
    if !forward {
        pages.reverse();
    }
    pages.concat()
}

db_test!(customers_sort_by_name_and_page_both_ways, |app| {
    // Swedish alphabetical order, as for the invoice list's printed names;
    // the two named Erik keep the order they were created in.
    let sorted = [
        "", "anna", "Bertil", "Émile", "Erik", "Erik", "Ülla", "Zeta", "åsa", "Ärla", "Östen",
    ];
    let mut created = Vec::new();
    for (i, name) in sorted.iter().enumerate().rev() {
        // Created out of order, the two Eriks first the one listed first.
        let name = if i == 4 { sorted[5] } else { name };
        let input = if name.is_empty() {
            json!({ "customerNumber": "utan-namn" })
        } else {
            json!({ "name": name })
        };
        created.push((app.customer(&app.company, input).await, name.to_string()));
    }
    let erik_first = created.iter().position(|c| c.1 == "Erik").unwrap();
    // By creation, as when no order is given.
    for direction in ["ASC", "DESC"] {
        let order = json!({ "field": "CREATED", "direction": direction });
        let mut expected = created.clone();
        if direction == "DESC" {
            expected.reverse();
        }
        for forward in [true, false] {
            assert_eq!(customers_in(&app, &order, 4, forward).await, expected);
        }
    }
    let by_name: Vec<(String, String)> = {
        let mut v = created.clone();
        // Stable: equal keys keep creation order.
        v.sort_by_key(|(_, n)| entity::text::sort_key(n));
        v
    };
    assert_eq!(
        by_name.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
        sorted
    );
    assert_eq!(by_name[4].0, created[erik_first].0);
    for direction in ["ASC", "DESC"] {
        let order = json!({ "field": "NAME", "direction": direction });
        let mut expected = by_name.clone();
        if direction == "DESC" {
            expected.reverse();
        }
        // Three at a time, so that cursors fall between the letters and
        // between the two Eriks.
        for size in [3, 4] {
            for forward in [true, false] {
                assert_eq!(
                    customers_in(&app, &order, size, forward).await,
                    expected,
                    "{direction} {size} {forward}"
                );
            }
        }
    }
    // Customers there were before migration 24 get their keys when the
    // database is migrated: the server's own, beyond what the database's
    // LOWER makes of Å, Ä, Ö and accents.
    crate::helpers::migrate_again_from(&app, "m20261207_000024").await;
    let order = json!({ "field": "NAME", "direction": "ASC" });
    assert_eq!(customers_in(&app, &order, 4, true).await, by_name);
    // A rename moves the customer to its new place.
    let anna = &by_name[1].0;
    app.ok(
        &app.company,
        "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Östergren\" }) { name } }",
        json!({ "id": anna }),
    )
    .await;
    let names: Vec<String> = customers_in(&app, &order, 5, true)
        .await
        .into_iter()
        .map(|c| c.1)
        .collect();
    assert_eq!(names.last().map(String::as_str), Some("Östergren"));
    assert_eq!(names.len(), sorted.len());
    // Another company's cursor finds no place in this list: its row's name
    // is not read, and the page is empty.
    app.customer(&app.other, json!({ "name": "Mårten" })).await;
    let theirs = app
        .ok(&app.other, CUSTOMERS, json!({ "o": order, "f": 1 }))
        .await["customers"]["pageInfo"]["endCursor"]
        .clone();
    for (f, a, l, b) in [
        (json!(3), theirs.clone(), Value::Null, Value::Null),
        (Value::Null, Value::Null, json!(3), theirs.clone()),
    ] {
        let p = app
            .ok(
                &app.company,
                CUSTOMERS,
                json!({ "o": order, "f": f, "a": a, "l": l, "b": b }),
            )
            .await;
        assert_eq!(p["customers"]["nodes"], json!([]), "{p}");
        assert_eq!(p["customers"]["totalCount"], sorted.len(), "{p}");
    }
});

db_test!(customers_sort_by_number_with_digits_as_numbers, |app| {
    // Text would put 10 before 9 and K10 before K9; the digits of a number
    // compare as numbers, leading zeros aside, and case does not count.
    let sorted = [
        "1", "2", "9", "10", "0011", "100", "A-7", "a-20", "K9", "k10", "K10-2", "K10-10",
    ];
    let mut created = Vec::new();
    for (i, number) in sorted.iter().enumerate().rev() {
        let name = format!("Kund {i}");
        let id = app
            .customer(
                &app.company,
                json!({ "customerNumber": number, "name": name }),
            )
            .await;
        created.push((id, name));
    }
    for direction in ["ASC", "DESC"] {
        let order = json!({ "field": "CUSTOMER_NUMBER", "direction": direction });
        let mut expected: Vec<(String, String)> = created.iter().rev().cloned().collect();
        if direction == "DESC" {
            expected.reverse();
        }
        for forward in [true, false] {
            assert_eq!(
                customers_in(&app, &order, 5, forward).await,
                expected,
                "{direction} {forward}"
            );
        }
    }
    // Numbers there were before migration 24 get their keys when the
    // database is migrated.
    crate::helpers::migrate_again_from(&app, "m20261207_000024").await;
    let order = json!({ "field": "CUSTOMER_NUMBER", "direction": "ASC" });
    let expected: Vec<(String, String)> = created.iter().rev().cloned().collect();
    assert_eq!(customers_in(&app, &order, 5, true).await, expected);
});
