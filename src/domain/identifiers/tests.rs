//! Organisation numbers, OCR references, currencies and other identifiers.

use super::*;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

#[test]
fn luhn_known_values() {
    // 556036-0793 is a well-known valid organisation number.
    assert!(luhn_valid(&digits_of("5560360793").unwrap()));
    assert!(!luhn_valid(&digits_of("5560360794").unwrap()));
    assert_eq!(luhn_check_digit(&digits_of("811218987").unwrap()), 6);
}

#[test]
fn organisation_numbers() {
    let id = parse_identity_number("o", "5560360793", today()).unwrap();
    assert_eq!(id.normalised, "556036-0793");
    assert_eq!(id.kind, IdentityKind::Organisation);
    assert_eq!(
        parse_identity_number("o", "16556036-0793", today())
            .unwrap()
            .normalised,
        "556036-0793"
    );
    assert!(parse_identity_number("o", "556036-0794", today()).is_err());
    assert!(parse_identity_number("o", "19556036-0793", today()).is_err());
}

#[test]
fn personnummer() {
    let id = parse_identity_number("p", "811218-9876", today()).unwrap();
    assert_eq!(id.normalised, "19811218-9876");
    assert_eq!(id.kind, IdentityKind::Person);
    assert_eq!(
        parse_identity_number("p", "198112189876", today())
            .unwrap()
            .normalised,
        "19811218-9876"
    );
    // Born 1881 (written with +, a person over 100).
    assert_eq!(
        parse_identity_number("p", "811218+9876", today())
            .unwrap()
            .normalised,
        "18811218-9876"
    );
    // Samordningsnummer: day + 60.
    let s = "701063";
    let mut d = digits_of(&format!("{s}234")).unwrap();
    d.push(luhn_check_digit(&d));
    let raw = to_string(&d);
    assert_eq!(
        parse_identity_number("p", &raw, today()).unwrap().kind,
        IdentityKind::Person
    );
    // 30 February does not exist, even with a right check digit.
    let mut d = digits_of("810230123").unwrap();
    d.push(luhn_check_digit(&d));
    let err = parse_identity_number("p", &to_string(&d), today()).unwrap_err();
    assert!(err.message.contains("birth date"));
    assert!(parse_identity_number("p", "12345", today()).is_err());
    assert!(parse_identity_number("p", "abcdefghij", today()).is_err());
}

#[test]
fn postal_codes() {
    assert_eq!(parse_postal_code("p", "113 51").unwrap(), "11351");
    assert_eq!(format_postal_code("11351"), "113 51");
    assert!(parse_postal_code("p", "1135").is_err());
    assert!(parse_postal_code("p", "01135").is_err());
    assert!(parse_postal_code("p", "11a51").is_err());
}

#[test]
fn emails_phones_currencies() {
    assert!(parse_email("e", "a@b.se").is_ok());
    assert!(parse_email("e", "a@b").is_err());
    assert!(parse_email("e", "a b@c.se").is_err());
    assert!(parse_email("e", "@c.se").is_err());
    assert!(parse_email("e", "a@@c.se").is_err());
    assert!(parse_phone("p", "+46 70-123 45 67").is_ok());
    assert!(parse_phone("p", "070 12").is_err());
    assert!(parse_phone("p", "07012345x").is_err());
    assert_eq!(parse_currency("c", "sek").unwrap(), "SEK");
    assert!(parse_currency("c", "XXX").is_err());
    assert!(parse_country("c", "SWE").is_err());
}

#[test]
fn ocr_examples() {
    assert_eq!(
        ocr_for(CompanyId::new(7), 1001).as_deref(),
        Some("10017184")
    );
    assert_eq!(
        ocr_for(CompanyId::new(12), 1001).as_deref(),
        Some("100112291")
    );
    assert!(ocr_valid("10017184"));
    assert!(!ocr_valid("10017185"));
    assert!(ocr_valid("100164"));
    assert!(!ocr_valid("1"));
    // Ten digits of company id, or more than 25 digits in all, make none.
    assert_eq!(ocr_for(CompanyId::new(1_000_000_000), 1001), None);
    assert_eq!(ocr_for(CompanyId::new(-7), 1001), None);
    let longest = 10u64.pow(13) - 1;
    assert_eq!(
        ocr_for(CompanyId::new(999_999_999), longest).map(|o| o.len()),
        Some(OCR_MAX_DIGITS)
    );
    assert_eq!(ocr_for(CompanyId::new(999_999_999), longest + 1), None);
}

/// The company's id and invoice number an OCR reference of [`ocr_for`] was
/// made of, read from its end.
fn company_and_number(ocr: &str) -> (i64, u64) {
    let payload = &ocr[..ocr.len() - 2];
    let (rest, count) = payload.split_at(payload.len() - 1);
    let count: usize = count.parse().unwrap();
    let (number, company) = rest.split_at(rest.len() - count);
    (company.parse().unwrap(), number.parse().unwrap())
}

#[test]
fn a_search_reads_as_identity_digits_only_when_typed_as_a_number() {
    assert_eq!(
        identity_search_digits("556036-0793").as_deref(),
        Some("5560360793")
    );
    assert_eq!(
        identity_search_digits("121212+1212").as_deref(),
        Some("1212121212")
    );
    assert_eq!(identity_search_digits(" 5560 ").as_deref(), Some("5560"));
    assert_eq!(identity_search_digits("AB 556"), None);
    assert_eq!(identity_search_digits("-"), None);
    assert_eq!(identity_search_digits("５５６"), None);
}

proptest! {
    /// A reference is valid, tells its length, and names its company and
    /// invoice number and no other pair: two companies' invoices never
    /// share one, not even where the number's digits run on into the id's
    /// (invoice 10011 of company 2 and invoice 1001 of company 12).
    #[test]
    fn generated_ocr_is_valid_and_names_one_invoice_of_all_companies(
        company in 1i64..1_000_000_000,
        n in 1u64..10_000_000_000_000,
    ) {
        let ocr = ocr_for(CompanyId::new(company), n).unwrap();
        prop_assert!(ocr_valid(&ocr));
        prop_assert!(ocr.len() <= OCR_MAX_DIGITS);
        prop_assert!(ocr.starts_with(&n.to_string()));
        let length_digit = usize::from(ocr.as_bytes()[ocr.len() - 2] - b'0');
        prop_assert_eq!(length_digit, ocr.len() % 10);
        prop_assert_eq!(company_and_number(&ocr), (company, n));
        let digits = format!("{n}{company}");
        for at in 1..digits.len() {
            let (number, id) = digits.split_at(at);
            let (Ok(m), Ok(c)) = (number.parse::<u64>(), id.parse::<i64>()) else {
                continue;
            };
            if (c, m) != (company, n)
                && !id.starts_with('0')
                && let Some(other) = ocr_for(CompanyId::new(c), m)
            {
                prop_assert_ne!(other, ocr.clone(), "{} of {}", m, c);
            }
        }
    }

    #[test]
    fn one_changed_digit_breaks_luhn(
        digits in proptest::collection::vec(0u8..10, 9),
        pos in 0usize..10,
        delta in 1u8..10,
    ) {
        let mut d = digits.clone();
        d.push(luhn_check_digit(&digits));
        prop_assert!(luhn_valid(&d));
        d[pos] = (d[pos] + delta) % 10;
        prop_assert!(!luhn_valid(&d));
    }

    #[test]
    fn organisation_numbers_with_right_check_digit_parse(
        head in proptest::collection::vec(0u8..10, 2),
        month in 2u8..10,
        tail in proptest::collection::vec(0u8..10, 6),
    ) {
        let mut d = head;
        d.push(month);
        d.extend(tail);
        d.push(luhn_check_digit(&d));
        let parsed = parse_identity_number("o", &to_string(&d), today()).unwrap();
        prop_assert_eq!(parsed.kind, IdentityKind::Organisation);
        prop_assert_eq!(parsed.normalised.replace('-', ""), to_string(&d));
    }
}
