//! Organisation numbers, personnummer, postal codes, e-mail addresses, phone
//! numbers, currencies and countries: no input panics, and what a parser
//! accepts it accepts again in its normalised form, unchanged.
#![no_main]

use chrono::NaiveDate;
use invoice_finance::domain::identifiers as id;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    if let Ok(n) = id::parse_identity_number("organisationNumber", raw, today) {
        let again = id::parse_identity_number("organisationNumber", &n.normalised, today)
            .expect("a normalised identity number parses");
        assert_eq!(again.normalised, n.normalised);
    }
    type Parser = fn(&str, &str) -> Result<String, invoice_finance::domain::FieldError>;
    let parsers: [Parser; 5] = [
        id::parse_postal_code,
        id::parse_email,
        id::parse_phone,
        id::parse_currency,
        id::parse_country,
    ];
    for parse in parsers {
        if let Ok(normalised) = parse("field", raw) {
            assert_eq!(parse("field", &normalised).as_deref(), Ok(normalised.as_str()));
        }
    }
});
