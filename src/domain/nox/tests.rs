//! Tests of [`super`]: the rules, with unit and property tests.

use super::*;
use crate::domain::invoice::InvoiceType;
use crate::domain::money::Ore;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn good() -> Candidate {
    Candidate {
        balance_ore: Ore::new(100_000),
        house_work_deductible_ore: None,
        cancelled: false,
        not_completed: false,
        invoice_type: InvoiceType::Invoice,
        currency: "SEK".into(),
        terms_of_payment: "30".into(),
        invoice_date: today(),
        due_date: NaiveDate::from_ymd_opt(2026, 12, 22).unwrap(),
        customer_name: Some("Kund AB".into()),
        address: Address {
            street: Some("Gatan 1".into()),
            postal_code: Some("11351".into()),
            city: Some("Stockholm".into()),
            country: crate::domain::address::HOME_COUNTRY.into(),
        },
        email: Some("a@b.se".into()),
        phone: Some("08-123456".into()),
        identity_number: Some("556036-0793".into()),
        sold: false,
        handed_over: false,
    }
}

fn settings() -> Settings {
    Settings {
        active_terms: vec!["30".into()],
    }
}

fn codes(
    c: &Candidate,
    service: Service,
    delivery: Delivery,
    day: NaiveDate,
) -> (Colour, Vec<&'static str>, Vec<&'static str>) {
    let a = assess(c, &settings(), service, delivery, day);
    (
        a.colour,
        a.blockers.iter().map(|f| f.code).collect(),
        a.warnings.iter().map(|f| f.code).collect(),
    )
}

#[test]
fn a_complete_invoice_is_green() {
    assert_eq!(
        codes(&good(), Service::InvoiceService, Delivery::Letter, today()),
        (Colour::Green, vec![], vec![])
    );
    assert_eq!(
        codes(&good(), Service::InvoiceService, Delivery::Email, today()).0,
        Colour::Green
    );
}

#[test]
fn each_rule_alone_makes_the_row_red_with_its_own_code() {
    type Change = fn(&mut Candidate);
    let cases: Vec<(Change, &str)> = vec![
        (|c| c.balance_ore = Ore::ZERO, "BALANCE_NOT_POSITIVE"),
        (
            |c| c.house_work_deductible_ore = Some(Ore::new(100_000)),
            "HOUSE_WORK_BALANCE",
        ),
        (|c| c.cancelled = true, "CANCELLED"),
        (|c| c.not_completed = true, "NOT_COMPLETED"),
        (|c| c.invoice_type = InvoiceType::Cash, "CASH_INVOICE"),
        (
            |c| c.invoice_type = InvoiceType::Interest,
            "INTEREST_INVOICE",
        ),
        (|c| c.currency = "EUR".into(), "CURRENCY_NOT_SEK"),
        (|c| c.terms_of_payment = "10".into(), "TERMS_NOT_ACTIVE"),
        (
            |c| c.invoice_date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            "INVOICE_DATE_IN_FUTURE",
        ),
        (|c| c.customer_name = None, "CUSTOMER_NAME_MISSING"),
        (|c| c.address.postal_code = None, "ADDRESS_INCOMPLETE"),
        (|c| c.address.city = Some(" ".into()), "ADDRESS_INCOMPLETE"),
        (|c| c.sold = true, "ALREADY_SOLD"),
        (|c| c.handed_over = true, "ALREADY_HANDED_OVER"),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (change, code) in cases {
        let mut c = good();
        change(&mut c);
        let (colour, blockers, _) = codes(&c, Service::InvoiceService, Delivery::Letter, today());
        assert_eq!(colour, Colour::Red, "{code}");
        assert_eq!(blockers, vec![code]);
        seen.insert(code);
    }
    // The eleven criteria of the seed page each have a distinct code.
    assert!(seen.len() >= 11 + 2);
}

#[test]
fn rules_combine() {
    let mut c = good();
    c.cancelled = true;
    c.currency = "EUR".into();
    c.customer_name = None;
    c.phone = None;
    let (colour, blockers, warnings) =
        codes(&c, Service::InvoiceService, Delivery::Letter, today());
    assert_eq!(colour, Colour::Red);
    assert_eq!(
        blockers,
        vec!["CANCELLED", "CURRENCY_NOT_SEK", "CUSTOMER_NAME_MISSING"]
    );
    assert_eq!(warnings, vec!["PHONE_MISSING"], "warnings accompany red");
}

#[test]
fn boundaries() {
    // Balance equal to the deductible amount: red; one öre more: not red.
    let mut c = good();
    c.house_work_deductible_ore = Some(Ore::new(100_000));
    assert_eq!(
        codes(&c, Service::InvoiceService, Delivery::Letter, today()).0,
        Colour::Red
    );
    c.balance_ore = Ore::new(100_001);
    assert_eq!(
        codes(&c, Service::InvoiceService, Delivery::Letter, today()).0,
        Colour::Green
    );
    // Invoice date today: fine; tomorrow: red.
    let mut c = good();
    c.invoice_date = today();
    assert_eq!(
        codes(&c, Service::InvoiceService, Delivery::Letter, today()).0,
        Colour::Green
    );
    c.invoice_date = today().succ_opt().unwrap();
    assert_eq!(
        codes(&c, Service::InvoiceService, Delivery::Letter, today()).1,
        vec!["INVOICE_DATE_IN_FUTURE"]
    );
    // "Today" comes from the Stockholm calendar: at 00:30 local on 23 Nov
    // (23:30 UTC on 22 Nov) an invoice dated 23 Nov is not in the future.
    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 22, 23, 30, 0).unwrap();
    let local_today = crate::domain::time::stockholm_date(now);
    assert_eq!(
        codes(&c, Service::InvoiceService, Delivery::Letter, local_today).0,
        Colour::Green
    );
}

#[test]
fn service_and_delivery_rules() {
    // The reminder service takes only overdue invoices.
    let c = good();
    assert_eq!(
        codes(&c, Service::ReminderService, Delivery::Letter, today()).1,
        vec!["NOT_OVERDUE"]
    );
    let mut overdue = good();
    overdue.due_date = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    assert_eq!(
        codes(
            &overdue,
            Service::ReminderService,
            Delivery::Letter,
            today()
        )
        .0,
        Colour::Green
    );
    // Due today is not overdue.
    overdue.due_date = today();
    assert_eq!(
        codes(
            &overdue,
            Service::ReminderService,
            Delivery::Letter,
            today()
        )
        .1,
        vec!["NOT_OVERDUE"]
    );
    // E-mail delivery needs an e-mail address; by letter it is a warning.
    let mut c = good();
    c.email = None;
    assert_eq!(
        codes(&c, Service::InvoiceService, Delivery::Email, today()).1,
        vec!["EMAIL_REQUIRED"]
    );
    assert_eq!(
        codes(&c, Service::InvoiceService, Delivery::Letter, today()),
        (Colour::Yellow, vec![], vec!["EMAIL_MISSING"])
    );
}

#[test]
fn warnings_make_yellow() {
    let mut c = good();
    c.identity_number = None;
    c.phone = None;
    c.address.street = None;
    let (colour, blockers, warnings) =
        codes(&c, Service::InvoiceService, Delivery::Letter, today());
    assert_eq!(colour, Colour::Yellow);
    assert!(blockers.is_empty());
    assert_eq!(
        warnings,
        vec!["IDENTITY_NUMBER_MISSING", "PHONE_MISSING", "STREET_MISSING"]
    );
}

#[test]
fn price_list_matches_the_design() {
    assert_eq!(price("LETTER"), Ore::new(1200));
    assert_eq!(price("EMAIL"), Ore::new(490));
    assert_eq!(price("REMINDER_SERVICE"), Ore::new(190));
    assert_eq!(price("RECALL"), Ore::new(5000));
    assert_eq!(price("REMINDER_FEE"), Ore::new(6000));
    assert_eq!(price("DEBT_COLLECTION_FEE"), Ore::new(18000));
    assert_eq!(price("LATE_PAYMENT_COMPENSATION"), Ore::new(45000));
    let due = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    assert_eq!(
        step_date(due, 7),
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    );
}

#[test]
fn a_key_reused_for_another_hand_over_names_what_differs() {
    let earlier = Handover {
        service: Service::InvoiceService,
        delivery: Delivery::Letter,
        recall_instead_of_monitoring: false,
    };
    let field = |s, d, r| earlier.differs(s, d, r).map(|f: Finding| (f.code, f.field));
    let (inv, rem) = (Service::InvoiceService, Service::ReminderService);
    // The same hand-over, with or without the choices the settings default.
    assert_eq!(field(inv, None, None), None);
    assert_eq!(field(inv, Some(Delivery::Letter), Some(false)), None);
    // Another one: the first field that differs.
    let reused = |f| Some(("KEY_REUSED", Some(f)));
    assert_eq!(field(rem, Some(Delivery::Letter), None), reused("service"));
    assert_eq!(
        field(rem, Some(Delivery::Email), Some(true)),
        reused("service")
    );
    assert_eq!(field(inv, Some(Delivery::Email), None), reused("delivery"));
    assert_eq!(
        field(inv, None, Some(true)),
        reused("recallInsteadOfMonitoring")
    );
}

#[test]
fn a_newer_reference_rate_counts_from_its_day() {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let due = day(2026, 11, 30);
    let until = day(2027, 1, 10);
    // 2.50 % from 1 January 2027: December at 9.75 %, ten January days at
    // 10.50 %: 10 000 × (9.75 % × 31 + 10.50 % × 10) / 365 = 111.58.
    let rates = ReferenceRates::built_in().with([(day(2027, 1, 1), 250)]);
    assert_eq!(
        crate::domain::nox_case::accrued_interest_ore(&rates, Ore::new(1_000_000), &[], due, until),
        Ore::new(11_158)
    );
    // Without it, 1.75 % goes on: 10 000 × 9.75 % × 41 / 365 = 109.52.
    assert_eq!(
        crate::domain::nox_case::accrued_interest_ore(
            &ReferenceRates::built_in(),
            Ore::new(1_000_000),
            &[],
            due,
            until
        ),
        Ore::new(10_952)
    );
    // A rate given for a day already known replaces it.
    let replaced = ReferenceRates::built_in().with([(day(2026, 7, 1), 300)]);
    assert_eq!(replaced.bp_on(day(2026, 12, 1)), 300);
    assert_eq!(replaced.bp_on(day(2026, 6, 30)), 175);
    // The half-year with no rate given is named, once its first day has come.
    assert_eq!(
        ReferenceRates::built_in().unset_half_year(day(2026, 12, 8)),
        None
    );
    assert_eq!(
        ReferenceRates::built_in().unset_half_year(day(2027, 1, 1)),
        Some(day(2027, 1, 1))
    );
    assert_eq!(rates.unset_half_year(day(2027, 6, 30)), None);
    assert_eq!(
        rates.unset_half_year(day(2027, 7, 1)),
        Some(day(2027, 7, 1))
    );
}

#[test]
fn a_reference_rate_setting_is_a_date_and_a_percentage() {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(
        parse_reference_rate("2027-01-01=2.25"),
        Ok((day(2027, 1, 1), 225))
    );
    assert_eq!(
        parse_reference_rate(" 2027-07-01 = 0 "),
        Ok((day(2027, 7, 1), 0))
    );
    assert_eq!(
        parse_reference_rate("2027-07-01=20"),
        Ok((day(2027, 7, 1), 2000))
    );
    for bad in [
        "2027-01-01",
        "2027-13-01=2",
        "01/01/2027=2",
        "2027-01-01=two",
        "2027-01-01=2.255",
        "2027-01-01=-1",
        "2027-01-01=20.01",
    ] {
        assert!(parse_reference_rate(bad).is_err(), "{bad:?} was read");
    }
}
