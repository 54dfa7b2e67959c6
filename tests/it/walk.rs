//! Random walks over Nox Finans cases, on both databases: invoices handed
//! over, then payments by each payer, credit notes, pauses, resumes,
//! recalls, edits once a case has closed, and days passing, in an order
//! drawn from a seed. After every step
//! the invoice and its case agree, nothing is below zero, a retried payment
//! answers as the first, and the books close; at the end each invoice's
//! status and the list's status filter name the same invoices. `WALK_SEEDS` sets how many
//! walks (default 2) and `WALK_STEPS` their length (default 40).
//!
//! A second walk does the same for invoice sales: invoices made, sold,
//! spot-checked by the operator (each outcome), withdrawn, collected, paid,
//! credited and edited while sold or not, RUT invoices paid or denied in part by
//! Skatteverket while sold or not, and hours and days passing. After every
//! step the books close, the running totals match the sales, and no invoice
//! is both sold and with Nox Finans (even seeds also hand invoices over and
//! recall them); at the end every approved sale is paid out and, while no
//! invoice went to Nox Finans, the payments account is back at zero.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::books::{assert_books_close, every};
use crate::db_test;
use crate::fixtures::*;
use crate::helpers::TestApp;
use invoice_finance::clock::Clock;

const VIEW: &str = "query($id: ID!) { invoice(id: $id) { total balance customerBalance credited status houseWork { deductibleAmount skatteverketBalance } noxFinans { id status claim capitalBalance feesBalance collected { capital fees interest total kept paidOut pending } } } }";
const PAY: &str = "mutation($id: ID!, $a: Decimal!, $d: Date!, $p: PaymentPayer!, $k: String!) { registerPayment(invoiceId: $id, amount: $a, paidOn: $d, payer: $p, idempotencyKey: $k) { balance customerBalance } }";
const DENY: &str = "mutation($id: ID!, $a: Decimal!, $k: String!) { recordTaxReductionDenial(invoiceId: $id, amount: $a, idempotencyKey: $k) { balance } }";
const CREDIT: &str = "mutation($id: ID!, $rows: [InvoiceRowInput!], $d: Decimal, $k: String!) { creditInvoice(invoiceId: $id, rows: $rows, houseWorkDeductibleAmount: $d, idempotencyKey: $k) { creditNote { total } } }";
const CONTENT: &str = "query($id: ID!) { invoice(id: $id) { customer { id } invoiceDate termsOfPayment rows { description quantity unitPrice vatRate } houseWork { type deductibleAmount } } }";
const EDIT: &str =
    "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { id } }";

/// The codes a step may be refused with; anything else fails the walk.
const REFUSALS: &[&str] = &[
    "VALIDATION",
    "CONFLICT",
    "NOT_ELIGIBLE",
    "QUOTE_CHANGED",
    "INVOICE_SOLD",
];

/// A small seeded generator (xorshift), so a failing walk can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal: {v}"))
        .parse()
        .unwrap()
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `query` as `token` and logs the outcome under `what`: the data, or
/// `None` when it was refused with a code a step may be refused with
/// (`REFUSALS`); any other error fails the walk.
async fn attempt(
    app: &TestApp,
    token: &str,
    query: &str,
    vars: Value,
    what: &str,
) -> Option<Value> {
    let r = app.gql(token, query, vars).await;
    let Some(errors) = r.get("errors") else {
        eprintln!("{what}: ok");
        return Some(r["data"].clone());
    };
    let code = errors[0]["extensions"]["code"].as_str().unwrap_or("");
    assert!(REFUSALS.contains(&code), "{what}: {r}");
    eprintln!("{what}: {code} {}", errors[0]["message"]);
    None
}

/// The tax reduction of an invoice (or of an input's `houseWork`), 0 without one.
fn reduction(v: &Value) -> Decimal {
    match &v["houseWork"] {
        Value::Null => Decimal::ZERO,
        h => dec(&h["deductibleAmount"]),
    }
}

/// Whether the invoice has a Nox Finans case still running.
fn open(v: &Value) -> bool {
    let status = v["noxFinans"]["status"].as_str();
    status.is_some_and(|s| !["PAID", "CREDITED", "RECALLED", "REJECTED"].contains(&s))
}

/// Edits an invoice (refused while it is sold, offered for sale or with
/// Nox Finans): its rows' prices scaled by
/// 80, 100 or 120 %, and its tax reduction kept, raised or lowered by a
/// tenth, or dropped. An accepted edit keeps what was paid and credited
/// (the total less the balance), and never raises a reduction Skatteverket
/// has denied part of (`denied`); a refused one changes nothing.
async fn edit(app: &TestApp, rng: &mut Rng, inv: &str, before: &Value, denied: bool, what: &str) {
    let c = app.ok(&app.company, CONTENT, json!({ "id": inv })).await["invoice"].clone();
    let factor = Decimal::from([8, 10, 12][rng.below(3) as usize]) / Decimal::TEN;
    let rows: Vec<Value> = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r["unitPrice"] = json!((dec(&r["unitPrice"]) * factor).round_dp(2).to_string());
            r
        })
        .collect();
    let house_work = match &c["houseWork"] {
        Value::Null => Value::Null,
        h => {
            let d = dec(&h["deductibleAmount"]);
            let tenth = (d / Decimal::TEN).round_dp(2);
            // After a denial, half the edits ask for more than is left.
            let choice = if denied && rng.below(2) == 0 {
                1
            } else {
                rng.below(4)
            };
            match choice {
                0 => h.clone(),
                1 => json!({ "type": h["type"], "deductibleAmount": (d + tenth).to_string() }),
                2 => json!({ "type": h["type"], "deductibleAmount": (d - tenth).to_string() }),
                _ => Value::Null,
            }
        }
    };
    let asked = reduction(&json!({ "houseWork": house_work }));
    let raised = asked > reduction(before);
    let input = json!({ "customerId": c["customer"]["id"], "invoiceDate": c["invoiceDate"],
        "termsOfPayment": c["termsOfPayment"], "rows": rows, "houseWork": house_work });
    let editing = format!("{what}: edit, prices x {factor}, house work {house_work}");
    let vars = json!({ "id": inv, "i": input });
    if attempt(app, &app.company, EDIT, vars, &editing)
        .await
        .is_none()
    {
        let after = view(app, inv).await;
        assert_eq!(&after, before, "{what}: a refused edit changes nothing");
        return;
    }
    let after = view(app, inv).await;
    assert!(
        !(raised && denied),
        "{what}: an edit claimed a denied tax reduction again: {before} -> {after}"
    );
    assert_eq!(
        dec(&after["total"]) - dec(&after["balance"]),
        dec(&before["total"]) - dec(&before["balance"]),
        "{what}: an edit keeps what was paid and credited: {before} -> {after}"
    );
    assert_eq!(after["credited"], before["credited"], "{what}");
    assert_eq!(reduction(&after), asked, "{what}");
}

/// The invoice and its case agree, and nothing is below zero.
fn check(v: &Value, what: &str) {
    let (balance, own) = (dec(&v["balance"]), dec(&v["customerBalance"]));
    assert!(
        balance >= Decimal::ZERO && own >= Decimal::ZERO,
        "{what}: {v}"
    );
    assert!(own <= balance, "{what}: {v}");
    assert!(
        dec(&v["total"]) - dec(&v["credited"]) >= balance,
        "{what}: {v}"
    );
    let c = &v["noxFinans"];
    if c.is_null() {
        return;
    }
    let capital = dec(&c["capitalBalance"]);
    assert!(
        capital >= Decimal::ZERO && capital <= dec(&c["claim"]),
        "{what}: {v}"
    );
    assert!(dec(&c["feesBalance"]) >= Decimal::ZERO, "{what}: {v}");
    if open(v) {
        assert_eq!(
            capital, own,
            "{what}: an open case claims what the customer owes: {v}"
        );
    }
    let k = &c["collected"];
    assert_eq!(
        dec(&k["total"]),
        dec(&k["capital"]) + dec(&k["fees"]) + dec(&k["interest"]),
        "{what}: {v}"
    );
}

async fn view(app: &TestApp, invoice: &str) -> Value {
    app.ok(&app.company, VIEW, json!({ "id": invoice })).await["invoice"].clone()
}

async fn walk(app: &TestApp, seed: u64, steps: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let anna = private_customer(app).await;
    let firm = app.full_customer(&app.company).await;
    let start: NaiveDate = app.clock.today();
    let date = start.to_string();
    let mut invoices = vec![
        invoice_on(app, &firm, &date, "10", "8000").await,
        invoice_on(app, &anna, &date, "10", "1000").await,
        invoice_with(app, &anna, json!({ "invoiceDate": date, "termsOfPayment": "10",
            "rows": [{ "description": "Renovering", "quantity": "1", "unitPrice": "20000", "vatRate": "25" },
                     { "description": "Material", "quantity": "2", "unitPrice": "500", "vatRate": "12" }],
            "houseWork": { "type": "ROT", "deductibleAmount": "7500" } }))
        .await,
    ];
    for (n, inv) in invoices.iter().enumerate() {
        let delivery = if n % 2 == 0 { "LETTER" } else { "EMAIL" };
        let r = hand_over(
            app,
            inv,
            "INVOICE_SERVICE",
            Some(delivery),
            &format!("w{seed}-{n}"),
        )
        .await;
        assert_eq!(r["accepted"], true, "{r}");
    }
    let mut paid: Vec<(String, String, String, String, String)> = Vec::new();
    let mut denied: Vec<String> = Vec::new();
    for step in 0..steps {
        let i = rng.below(invoices.len() as u64) as usize;
        let inv = invoices[i].clone();
        let before = view(app, &inv).await;
        let today = app.clock.today().to_string();
        let key = format!("w{seed}-s{step}");
        let what = format!("seed {seed} step {step}");
        let case = before["noxFinans"]["id"].clone();
        let owed = dec(&before["customerBalance"]);
        match rng.below(10) {
            0 | 1 => {
                let days = [1, 2, 3, 7, 15, 30][rng.below(6) as usize];
                app.clock.advance(Duration::days(days));
                app.worker_settled().await;
                eprintln!("{what}: +{days} days");
            }
            2 | 3 => {
                let payer = ["CUSTOMER", "NOX_FINANS", "SKATTEVERKET"][rng.below(3) as usize];
                let base = if payer == "SKATTEVERKET" {
                    let part = &before["houseWork"]["skatteverketBalance"];
                    if part.is_null() {
                        Decimal::ONE_HUNDRED
                    } else {
                        dec(part)
                    }
                } else {
                    let fees = match &before["noxFinans"]["feesBalance"] {
                        Value::Null => Decimal::ZERO,
                        f => dec(f).max(Decimal::ZERO),
                    };
                    owed + fees * Decimal::from(rng.below(2))
                };
                let amount = match rng.below(4) {
                    0 => base,
                    1 => base + Decimal::new(1, 2),
                    _ => (base * Decimal::from(1 + rng.below(9)) / Decimal::from(10)).round_dp(2),
                };
                if amount <= Decimal::ZERO {
                    continue;
                }
                let args =
                    json!({ "id": inv, "a": amount.to_string(), "d": today, "p": payer, "k": key });
                let paying = format!("{what}: pay {amount} by {payer}");
                if attempt(app, &app.company, PAY, args, &paying)
                    .await
                    .is_some()
                {
                    let after = view(app, &inv).await;
                    let dropped = dec(&before["balance"]) - dec(&after["balance"]);
                    if payer == "NOX_FINANS" {
                        assert!(
                            dropped >= Decimal::ZERO && dropped <= amount,
                            "{what}: {before} -> {after}"
                        );
                    } else {
                        assert_eq!(dropped, amount, "{what}: {before} -> {after}");
                    }
                    paid.push((
                        inv.clone(),
                        amount.to_string(),
                        today.clone(),
                        payer.into(),
                        key.clone(),
                    ));
                }
            }
            4 if !before["houseWork"].is_null() && rng.below(4) == 0 => {
                // Skatteverket denies part of the tax reduction it has not
                // paid (or, now and then, an öre more than that).
                let unpaid = dec(&before["houseWork"]["skatteverketBalance"]);
                let amount = match rng.below(3) {
                    0 => unpaid + Decimal::new(1, 2),
                    1 => unpaid,
                    _ => (unpaid / Decimal::from(1 + rng.below(4))).round_dp(2),
                };
                let vars = json!({ "id": inv, "a": amount.to_string(), "k": key });
                let denying = format!("{what}: deny {amount} of the tax reduction");
                if attempt(app, &app.company, DENY, vars, &denying)
                    .await
                    .is_some()
                {
                    let after = view(app, &inv).await;
                    assert_eq!(
                        dec(&after["customerBalance"]) - dec(&before["customerBalance"]),
                        amount,
                        "{what}: {before} -> {after}"
                    );
                    assert_eq!(before["balance"], after["balance"], "{what}");
                    denied.push(inv.clone());
                }
            }
            4 => {
                let rows = if rng.below(3) == 0 {
                    Value::Null
                } else {
                    let net = Decimal::from(1 + rng.below(4000));
                    let rate = ["25", "12"][rng.below(2) as usize];
                    json!([{ "description": "Credit", "quantity": "1", "unitPrice": net.to_string(), "vatRate": rate }])
                };
                let whole = rows.is_null();
                // A credit of labour (at 25 %) on a house-work invoice may
                // lower the tax reduction by 0, 30, 100 or 150 % of its net
                // (the last more than the credit allows).
                let labour = rows[0]["vatRate"] == "25" && !before["houseWork"].is_null();
                let lowered = (labour && rng.below(2) == 0).then(|| {
                    let share = Decimal::from([0, 3, 10, 15][rng.below(4) as usize]);
                    let net = dec(&rows[0]["unitPrice"]);
                    (reduction(&before) - net * share / Decimal::TEN).to_string()
                });
                let vars = json!({ "id": inv, "rows": rows, "d": lowered, "k": key });
                let crediting = format!("{what}: credit {rows}, tax reduction {lowered:?}");
                if let Some(r) = attempt(app, &app.company, CREDIT, vars, &crediting).await {
                    let after = view(app, &inv).await;
                    let note = -dec(&r["creditInvoice"]["creditNote"]["total"]);
                    assert_eq!(
                        dec(&after["credited"]) - dec(&before["credited"]),
                        note,
                        "{what}: {before} -> {after}"
                    );
                    // The customer's part falls by what the credit does not
                    // take off the tax reduction.
                    if let Some(asked) = &lowered {
                        let fall = reduction(&before) - reduction(&after);
                        assert_eq!(reduction(&after), dec(&json!(asked)), "{what}");
                        assert!(fall <= note, "{what}: {before} -> {after}");
                        assert_eq!(
                            dec(&before["customerBalance"]) - dec(&after["customerBalance"]),
                            note - fall,
                            "{what}: {before} -> {after}"
                        );
                    }
                    // Without rows, all that was left: every rate with its
                    // VAT to the öre, so nothing is left to pay.
                    if whole {
                        assert_eq!(
                            (dec(&after["credited"]), dec(&after["balance"])),
                            (dec(&after["total"]), Decimal::ZERO),
                            "{what}: {before} -> {after}"
                        );
                    }
                }
            }
            5 if !case.is_null() => {
                let until = app.clock.today() + Duration::days(1 + rng.below(70) as i64);
                let q = "mutation($id: ID!, $u: Date!) { pauseNoxFinansCase(caseId: $id, until: $u) { status } }";
                let vars = json!({ "id": case, "u": until.to_string() });
                attempt(
                    app,
                    &app.company,
                    q,
                    vars,
                    &format!("{what}: pause until {until}"),
                )
                .await;
            }
            6 if !case.is_null() => {
                let q = "mutation($id: ID!) { resumeNoxFinansCase(caseId: $id) { status } }";
                attempt(
                    app,
                    &app.company,
                    q,
                    json!({ "id": case }),
                    &format!("{what}: resume"),
                )
                .await;
            }
            7 if !case.is_null() && rng.below(4) == 0 => {
                let q = "mutation($id: ID!) { recallFromNoxFinans(caseId: $id) { status } }";
                attempt(
                    app,
                    &app.company,
                    q,
                    json!({ "id": case }),
                    &format!("{what}: recall"),
                )
                .await;
            }
            8 if !paid.is_empty() => {
                let (inv, a, d, p, k) = paid[rng.below(paid.len() as u64) as usize].clone();
                let before = view(app, &inv).await;
                let r = app
                    .gql(
                        &app.company,
                        PAY,
                        json!({ "id": inv, "a": a, "d": d, "p": p, "k": k }),
                    )
                    .await;
                assert!(r.get("errors").is_none(), "{what}: a retry of {k}: {r}");
                let after = view(app, &inv).await;
                assert_eq!(
                    before["balance"], after["balance"],
                    "{what}: a retry of {k}"
                );
                eprintln!("{what}: retry {k}: ok");
            }
            9 if !open(&before) => {
                edit(app, &mut rng, &inv, &before, denied.contains(&inv), &what).await;
            }
            _ => continue,
        }
        for inv in &invoices {
            check(&view(app, inv).await, &what);
        }
        assert_books_close(app, &app.company).await;
        // Now and then a new invoice joins the walk: every other one a RUT
        // invoice of a private customer, so that a tax reduction is often
        // left to deny or to lower by a credit of labour. One in three
        // stays with the company, to be paid, credited, denied and edited
        // without a case.
        if rng.below(12) == 0 && invoices.len() < 7 {
            let date = app.clock.today().to_string();
            let new = if invoices.len() % 2 == 0 {
                invoice_with(app, &anna, json!({ "invoiceDate": date, "termsOfPayment": "10",
                    "rows": [{ "description": "Städning", "quantity": "8", "unitPrice": "400", "vatRate": "25" }],
                    "houseWork": { "type": "RUT", "deductibleAmount": "2000" } }))
                .await
            } else {
                invoice_on(app, &firm, &date, "10", "2000").await
            };
            if rng.below(3) == 0 {
                eprintln!("{what}: new invoice kept by the company");
            } else {
                let r = hand_over(app, &new, "INVOICE_SERVICE", None, &format!("{key}-new")).await;
                eprintln!("{what}: new invoice handed over: {}", r["accepted"]);
            }
            invoices.push(new);
        }
    }
    // Everything left runs its course.
    for _ in 0..4 {
        app.clock.advance(Duration::days(30));
        app.worker_settled().await;
    }
    for inv in &invoices {
        check(&view(app, inv).await, &format!("seed {seed} at the end"));
    }
    assert_books_close(app, &app.company).await;
    statuses_agree_with_the_filter(app).await;
    the_sales_to_collect_agree(app).await;
}

/// The operators' `salesToCollect` lists exactly the bought sales (approved
/// or paid out) of the company's invoices not collected in full, oldest first.
async fn the_sales_to_collect_agree(app: &TestApp) {
    let mut bought: Vec<i64> = Vec::new();
    let invoices = "invoices(PAGE) { NODES { sale { id status amount collected } } }";
    for n in every(app, &app.company, invoices, &["invoices"]).await {
        let s = &n["sale"];
        let status = s["status"].as_str().unwrap_or("");
        if ["APPROVED", "PAID_OUT"].contains(&status) && dec(&s["collected"]) < dec(&s["amount"]) {
            bought.push(sale_number(&s["id"]));
        }
    }
    bought.sort_unstable();
    let listed: Vec<i64> = every(
        app,
        &app.operator,
        "salesToCollect(PAGE) { NODES { id } }",
        &["salesToCollect"],
    )
    .await
    .iter()
    .map(|n| sale_number(&n["id"]))
    .collect();
    assert_eq!(listed, bought, "salesToCollect against the sales");
}

/// The row number inside a sale's global id (`InvoiceSale:<n>`, base64).
fn sale_number(id: &Value) -> i64 {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_str().unwrap())
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    text.strip_prefix("InvoiceSale:").unwrap().parse().unwrap()
}

/// Each invoice's `status` and the list's status filter (the same rule,
/// once in Rust and once in SQL) name the same invoices.
async fn statuses_agree_with_the_filter(app: &TestApp) {
    let all = every(
        app,
        &app.company,
        "invoices(PAGE) { NODES { id status } }",
        &["invoices"],
    )
    .await;
    for s in [
        "CANCELLED",
        "NOT_COMPLETED",
        "SOLD",
        "PAID",
        "CREDITED",
        "OVERDUE",
        "UNPAID",
    ] {
        let query = format!("invoices(PAGE, filter: {{ status: [{s}] }}) {{ NODES {{ id }} }}");
        let mut listed: Vec<Value> = every(app, &app.company, &query, &["invoices"])
            .await
            .into_iter()
            .map(|n| n["id"].clone())
            .collect();
        let mut with: Vec<Value> = all
            .iter()
            .filter(|n| n["status"] == s)
            .map(|n| n["id"].clone())
            .collect();
        listed.sort_by_key(|v| v.to_string());
        with.sort_by_key(|v| v.to_string());
        assert_eq!(listed, with, "{s}");
    }
}

db_test!(nox_finans_cases_on_random_walks_stay_consistent, |app| {
    let seeds = env("WALK_SEEDS", 2);
    let steps = env("WALK_STEPS", 40);
    let first = env("WALK_FIRST_SEED", 1);
    for seed in first..first + seeds {
        walk(&app, seed, steps).await;
    }
});

const SALE_VIEW: &str = "query($id: ID!) { invoice(id: $id) { balance customerBalance status houseWork { skatteverketBalance } sale { id status amount payout totalFees } noxFinans { id status } } }";
const SELL_QUOTE: &str =
    "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { quoteId eligible } }";
const SELL: &str = "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { id status } }";

async fn sales_walk(app: &TestApp, seed: u64, steps: u64, nox_used: &mut bool) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let customers = [
        private_customer(app).await,
        app.full_customer(&app.company).await,
    ];
    let mut invoices: Vec<String> = Vec::new();
    let mut denied: Vec<String> = Vec::new();
    // Odd seeds sell only; even ones also hand invoices to Nox Finans.
    let with_nox = seed.is_multiple_of(2);
    for step in 0..steps {
        let what = format!("seed {seed} step {step}");
        let key = format!("s{seed}-{step}");
        let today = app.clock.today().to_string();
        let pick = (!invoices.is_empty())
            .then(|| invoices[rng.below(invoices.len() as u64) as usize].clone());
        let held = match &pick {
            Some(inv) => {
                app.ok(&app.company, SALE_VIEW, json!({ "id": inv })).await["invoice"].clone()
            }
            None => Value::Null,
        };
        let sale = held["sale"].clone();
        match (rng.below(15), pick.clone()) {
            (0, _) => {
                let hours = [1, 6, 24, 24 * 3, 24 * 7][rng.below(5) as usize];
                app.clock.advance(Duration::hours(hours));
                app.worker_settled().await;
                eprintln!("{what}: +{hours} hours");
            }
            (1 | 2, _) | (_, None) => {
                let private = rng.below(2) == 0;
                let price = 500 + rng.below(30_000);
                // Half the private customer's invoices are RUT work, with a
                // reduction of at most half the price with its VAT.
                if private && rng.below(2) == 0 {
                    let reduction = (price / 2).to_string();
                    let rows = json!([{ "description": "Städning", "quantity": "1", "unitPrice": price.to_string(), "vatRate": "25" }]);
                    invoices.push(invoice_with(app, &customers[0], json!({ "invoiceDate": today, "termsOfPayment": "30",
                        "rows": rows, "houseWork": { "type": "RUT", "deductibleAmount": reduction } })).await);
                    eprintln!("{what}: RUT invoice of {price}, reduction {reduction}");
                } else {
                    let customer = &customers[usize::from(!private)];
                    let price = price.to_string();
                    invoices.push(invoice_on(app, customer, &today, "30", &price).await);
                    eprintln!("{what}: invoice of {price}");
                }
            }
            (3 | 4, Some(inv)) => {
                let q = app.ok(&app.company, SELL_QUOTE, json!({ "id": inv })).await;
                let i = json!({ "invoiceId": inv, "quoteId": q["invoiceSaleQuote"]["quoteId"], "idempotencyKey": key });
                attempt(
                    app,
                    &app.company,
                    SELL,
                    json!({ "i": i }),
                    &format!("{what}: sell"),
                )
                .await;
            }
            (5..=7, _) => {
                // The operator answers the oldest spot check in the queue.
                let queue = app
                    .ok(
                        &app.operator,
                        "{ spotCheckQueue(first: 1) { nodes { id } } }",
                        json!({}),
                    )
                    .await;
                let Some(id) = queue["spotCheckQueue"]["nodes"][0].get("id").cloned() else {
                    continue;
                };
                let outcome = [
                    "CONFIRMED",
                    "CONFIRMED",
                    "CONFIRMED",
                    "DISPUTED",
                    "NO_ANSWER",
                ][rng.below(5) as usize];
                let q = "mutation($id: ID!, $o: SpotCheckOutcome!) { resolveSpotCheck(saleId: $id, outcome: $o) { status } }";
                attempt(
                    app,
                    &app.operator,
                    q,
                    json!({ "id": id, "o": outcome }),
                    &format!("{what}: resolve {outcome}"),
                )
                .await;
            }
            (8, Some(_)) if !sale.is_null() => {
                let q = "mutation($id: ID!) { withdrawInvoiceSale(saleId: $id) { status } }";
                attempt(
                    app,
                    &app.company,
                    q,
                    json!({ "id": sale["id"] }),
                    &format!("{what}: withdraw {}", sale["status"]),
                )
                .await;
            }
            (9 | 10, Some(_)) if !sale.is_null() => {
                let amount =
                    dec(&sale["amount"]) * Decimal::from(1 + rng.below(12)) / Decimal::from(10);
                let q = "mutation($id: ID!, $a: Decimal!, $d: Date!, $k: String!) { recordSaleCollection(saleId: $id, amount: $a, collectedOn: $d, idempotencyKey: $k) { collected } }";
                let vars = json!({ "id": sale["id"], "a": amount.round_dp(2).to_string(), "d": today, "k": key });
                attempt(
                    app,
                    &app.operator,
                    q,
                    vars,
                    &format!(
                        "{what}: collect {} on {}",
                        amount.round_dp(2),
                        sale["status"]
                    ),
                )
                .await;
            }
            (11, Some(inv)) if !held["houseWork"].is_null() && rng.below(2) == 0 => {
                if skatteverket_step(app, &mut rng, &held, &inv, &key, &today, &what).await {
                    denied.push(inv);
                }
            }
            (11, Some(inv)) => {
                let payer_step = rng.below(2) == 0;
                if payer_step {
                    let vars =
                        json!({ "id": inv, "a": "100", "d": today, "p": "CUSTOMER", "k": key });
                    attempt(
                        app,
                        &app.company,
                        PAY,
                        vars,
                        &format!("{what}: pay 100 with sale {}", sale["status"]),
                    )
                    .await;
                } else {
                    let rows = json!([{ "description": "Credit", "quantity": "1", "unitPrice": "100", "vatRate": "25" }]);
                    attempt(
                        app,
                        &app.company,
                        CREDIT,
                        json!({ "id": inv, "rows": rows, "k": key }),
                        &format!("{what}: credit 125 with sale {}", sale["status"]),
                    )
                    .await;
                }
            }
            (12, Some(inv)) if with_nox => {
                let i = json!({ "invoiceIds": [inv], "service": "INVOICE_SERVICE", "delivery": "LETTER", "idempotencyKey": key });
                let q = "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted blockers { code } } } }";
                let r = app.ok(&app.company, q, json!({ "i": i })).await;
                let result = &r["sendToNoxFinans"]["results"][0];
                *nox_used |= result["accepted"] == true;
                eprintln!("{what}: hand over with sale {}: {result}", sale["status"]);
            }
            (13, Some(_)) if with_nox && !held["noxFinans"].is_null() => {
                let q = "mutation($id: ID!) { recallFromNoxFinans(caseId: $id) { status } }";
                let vars = json!({ "id": held["noxFinans"]["id"] });
                attempt(app, &app.company, q, vars, &format!("{what}: recall")).await;
            }
            (14, Some(inv)) => {
                let before = view(app, &inv).await;
                edit(app, &mut rng, &inv, &before, denied.contains(&inv), &what).await;
            }
            _ => continue,
        }
        // One service at a time: a live sale and an open case never meet.
        if let Some(inv) = &pick {
            let v = app.ok(&app.company, SALE_VIEW, json!({ "id": inv })).await["invoice"].clone();
            let selling = ["PROCESSING", "SPOT_CHECK", "APPROVED", "PAID_OUT"]
                .contains(&v["sale"]["status"].as_str().unwrap_or(""));
            let with_nox = open(&v);
            assert!(
                !(selling && with_nox),
                "{what}: sold and with Nox Finans: {v}"
            );
        }
        assert_books_close(app, &app.company).await;
    }
    // Every decision and payout falls due; without Nox Finans (whose fees
    // stay on the account until set off) the account returns to zero.
    for _ in 0..3 {
        app.clock.advance(Duration::days(7));
        app.worker_settled().await;
    }
    let r = app
        .ok(
            &app.company,
            "{ viewer { paymentsAccountBalance } }",
            json!({}),
        )
        .await;
    if !*nox_used {
        assert_eq!(
            r["viewer"]["paymentsAccountBalance"], "0.00",
            "seed {seed}: every approved sale is paid out"
        );
    }
    assert_books_close(app, &app.company).await;
    statuses_agree_with_the_filter(app).await;
    the_sales_to_collect_agree(app).await;
}

/// Skatteverket pays or denies part of a RUT invoice's reduction, sold or
/// not (now and then more than it has left): a payment takes it off the
/// balance; a denial moves it to the customer's part, or, once the invoice
/// is sold (the financier bought only the customer's part), takes it off
/// the invoice. Whether a denial was recorded.
async fn skatteverket_step(
    app: &TestApp,
    rng: &mut Rng,
    before: &Value,
    inv: &str,
    key: &str,
    today: &str,
    what: &str,
) -> bool {
    let left = dec(&before["houseWork"]["skatteverketBalance"]);
    let amount = match rng.below(4) {
        0 => left + Decimal::new(1, 2),
        1 => left,
        _ => (left / Decimal::from(2 + rng.below(3))).round_dp(2),
    };
    let deny = rng.below(2) == 0;
    let (query, vars) = if deny {
        (
            DENY,
            json!({ "id": inv, "a": amount.to_string(), "k": key }),
        )
    } else {
        let vars = json!({ "id": inv, "a": amount.to_string(), "d": today, "p": "SKATTEVERKET", "k": key });
        (PAY, vars)
    };
    let doing = format!(
        "{what}: Skatteverket {} {amount} with sale {}",
        if deny { "denies" } else { "pays" },
        before["sale"]["status"]
    );
    if attempt(app, &app.company, query, vars, &doing)
        .await
        .is_none()
    {
        return false;
    }
    let after = app.ok(&app.company, SALE_VIEW, json!({ "id": inv })).await["invoice"].clone();
    let fell = |field: &str| dec(&before[field]) - dec(&after[field]);
    let sold = ["APPROVED", "PAID_OUT"].contains(&before["sale"]["status"].as_str().unwrap_or(""));
    let expected = match (deny, sold) {
        (false, _) | (true, true) => (amount, Decimal::ZERO),
        (true, false) => (Decimal::ZERO, -amount),
    };
    assert_eq!(
        (fell("balance"), fell("customerBalance")),
        expected,
        "{doing}: {before} -> {after}"
    );
    deny
}

db_test!(sales_on_random_walks_close_their_books, |app| {
    activate(&app, agreement()).await;
    let seeds = env("WALK_SEEDS", 2);
    let steps = env("WALK_STEPS", 40);
    let first = env("WALK_FIRST_SEED", 1);
    let mut nox_used = false;
    for seed in first..first + seeds {
        sales_walk(&app, seed, steps, &mut nox_used).await;
    }
});
