//! Swedish identifiers and contact data: parse, don't validate.
//!
//! Each parser takes raw input and returns the normalised form that is stored
//! (postal code `NNNNN`, organisation number `NNNNNN-NNNN`, personnummer
//! `YYYYMMDD-NNNN`), or a [`FieldError`] naming the field.

use chrono::{Datelike, NaiveDate};

use super::FieldError;
use super::id::CompanyId;

/// The Luhn (mod 10) check digit for `digits`, as used by Swedish organisation
/// numbers, personnummer and OCR references.
pub fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether the last digit of `digits` is the Luhn check digit of the others.
pub fn luhn_valid(digits: &[u8]) -> bool {
    match digits.split_last() {
        Some((last, rest)) if !rest.is_empty() => luhn_check_digit(rest) == *last,
        _ => false,
    }
}

fn digits_of(s: &str) -> Option<Vec<u8>> {
    s.chars()
        .map(|c| c.to_digit(10).map(|d| d as u8))
        .collect::<Option<Vec<u8>>>()
}

fn to_string(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// A Swedish postal code: five digits, optionally written `NNN NN`. Stored as
/// `NNNNN`; see [`format_postal_code`] for display.
pub fn parse_postal_code(field: &str, raw: &str) -> Result<String, FieldError> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    match digits_of(&compact) {
        Some(d) if d.len() == 5 && d[0] != 0 => Ok(compact),
        _ => Err(FieldError::new(
            field,
            "must be a Swedish postal code of five digits, e.g. 113 51",
        )),
    }
}

/// Shows a stored postal code as `NNN NN`.
pub fn format_postal_code(stored: &str) -> String {
    if stored.len() == 5 && stored.is_ascii() {
        format!("{} {}", &stored[..3], &stored[3..])
    } else {
        stored.to_string()
    }
}

/// What a parsed Swedish identity number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    /// A legal entity's organisation number.
    Organisation,
    /// A natural person's personnummer (or samordningsnummer).
    Person,
}

/// A normalised organisation number or personnummer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityNumber {
    /// `NNNNNN-NNNN` for organisations, `YYYYMMDD-NNNN` for persons.
    pub normalised: String,
    /// Which of the two it is.
    pub kind: IdentityKind,
}

/// Parses an organisation number (10 digits, or 12 with the prefix `16`) or a
/// personnummer (10 or 12 digits with a valid birth date; day + 60 for a
/// samordningsnummer). A `-` or `+` separator is accepted. The Luhn check digit is
/// verified over the last ten digits.
pub fn parse_identity_number(
    field: &str,
    raw: &str,
    today: NaiveDate,
) -> Result<IdentityNumber, FieldError> {
    let err = |m: &str| FieldError::new(field, m);
    let plus = raw.contains('+');
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, '-' | '+' | ' '))
        .collect();
    let digits = digits_of(&compact).ok_or_else(|| {
        err("must be an organisation number (NNNNNN-NNNN) or a personnummer (YYYYMMDD-NNNN)")
    })?;
    let (century, ten): (Option<u32>, &[u8]) = match digits.len() {
        10 => (None, &digits[..]),
        12 => (
            Some(u32::from(digits[0]) * 10 + u32::from(digits[1])),
            &digits[2..],
        ),
        _ => {
            return Err(err(
                "must have 10 digits (or 12 for a personnummer), e.g. 556036-0793",
            ));
        }
    };
    if !luhn_valid(ten) {
        return Err(err("has a wrong check digit"));
    }
    let two = |i: usize| u32::from(ten[i]) * 10 + u32::from(ten[i + 1]);
    // Organisation numbers have a "month" of 20 or more; persons never do.
    if two(2) >= 20 {
        if century.is_some_and(|c| c != 16) {
            return Err(err(
                "an organisation number has 10 digits (or the prefix 16)",
            ));
        }
        let s = to_string(ten);
        return Ok(IdentityNumber {
            normalised: format!("{}-{}", &s[..6], &s[6..]),
            kind: IdentityKind::Organisation,
        });
    }
    let (yy, month, mut day) = (two(0), two(2), two(4));
    if day > 60 {
        day -= 60;
    }
    let year = match century {
        Some(c) => c * 100 + yy,
        None => {
            // The century is the latest that puts the birth date in the past,
            // or one more century back when written with `+` (100 years or older).
            let this_year = u32::try_from(today.year()).unwrap_or(2000);
            let mut year = this_year - this_year % 100 + yy;
            if year > this_year {
                year -= 100;
            }
            if plus {
                year -= 100;
            }
            year
        }
    };
    let birth = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or_else(|| {
            err("is not a valid organisation number or personnummer (no such birth date)")
        })?;
    if birth > today {
        return Err(err("has a birth date in the future"));
    }
    let s = to_string(ten);
    Ok(IdentityNumber {
        normalised: format!("{:04}{}-{}", year, &s[2..6], &s[6..]),
        kind: IdentityKind::Person,
    })
}

/// The digits of a search text that can be (part of) an identity number as
/// users type one: digits with `-`, `+` or spaces, or none. Stored numbers
/// hold a `-` where they may have been typed without it, or at another
/// place (a personnummer typed without its century), so a search compares
/// these digits with the stored number's.
pub fn identity_search_digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let typed = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '));
    (typed && !digits.is_empty()).then_some(digits)
}

/// The kind of a number already normalised by [`parse_identity_number`]:
/// `NNNNNN-NNNN` is an organisation, `YYYYMMDD-NNNN` a person.
pub fn identity_kind_of_normalised(normalised: &str) -> IdentityKind {
    if normalised.len() == 11 {
        IdentityKind::Organisation
    } else {
        IdentityKind::Person
    }
}

/// Parses an e-mail address: one `@`, a non-empty local part, a dotted domain,
/// no spaces, at most 254 characters. Stored trimmed.
pub fn parse_email(field: &str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    let ok = s.len() <= 254
        && !s.chars().any(char::is_whitespace)
        && match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && domain.split('.').all(|l| {
                        !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-')
                    })
            }
            None => false,
        };
    if ok {
        Ok(s.to_string())
    } else {
        Err(FieldError::new(
            field,
            "must be an e-mail address, e.g. name@example.se",
        ))
    }
}

/// Parses a phone number: digits with optional leading `+` and separators, 6 to 15
/// digits. Stored as written, trimmed.
pub fn parse_phone(field: &str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    if allowed && (6..=15).contains(&digits) {
        Ok(s.to_string())
    } else {
        Err(FieldError::new(
            field,
            "must be a phone number of 6 to 15 digits",
        ))
    }
}

/// ISO 4217 currencies the platform invoices in.
pub const CURRENCIES: &[&str] = &[
    "SEK", "EUR", "USD", "NOK", "DKK", "GBP", "CHF", "PLN", "ISK", "JPY", "CAD", "AUD", "CNY",
];

/// Parses an ISO 4217 currency code (case-insensitive), stored upper-case.
pub fn parse_currency(field: &str, raw: &str) -> Result<String, FieldError> {
    let upper = raw.trim().to_ascii_uppercase();
    if CURRENCIES.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(FieldError::new(
            field,
            format!(
                "must be an ISO 4217 currency code, one of {}",
                CURRENCIES.join(", ")
            ),
        ))
    }
}

/// Parses an ISO 3166-1 alpha-2 country code, stored upper-case.
pub fn parse_country(field: &str, raw: &str) -> Result<String, FieldError> {
    let upper = raw.trim().to_ascii_uppercase();
    if upper.len() == 2 && upper.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(upper)
    } else {
        Err(FieldError::new(
            field,
            "must be a two-letter country code, e.g. SE",
        ))
    }
}

/// The longest OCR reference a bank takes, in digits.
pub const OCR_MAX_DIGITS: usize = 25;

/// The OCR payment reference for a company's invoice number: the invoice
/// number's digits, the company's id, the count of that id's digits (one
/// digit), a length digit (the full length mod 10) and a Luhn check digit.
///
/// The customers of every company pay the financier for the invoices it
/// bought into one account, so the reference names one invoice of all
/// companies, not of one: read from its end, the count says where the
/// company's id begins, and a company numbers its invoices once each.
/// Invoice 1001 of company 7 is `10017184`, of company 12 `100112291`.
///
/// `None` where the reference would be longer than [`OCR_MAX_DIGITS`] or the
/// company's id has ten digits or more.
pub fn ocr_for(company: CompanyId, invoice_number: u64) -> Option<String> {
    let company = company.get().to_string();
    if company.starts_with('-') || company.len() > 9 {
        return None;
    }
    let payload = format!("{invoice_number}{company}{}", company.len());
    if payload.len() + 2 > OCR_MAX_DIGITS {
        return None;
    }
    let mut digits: Vec<u8> = payload.bytes().map(|b| b - b'0').collect();
    let length = (digits.len() + 2) % 10;
    digits.push(length as u8);
    let check = luhn_check_digit(&digits);
    digits.push(check);
    Some(to_string(&digits))
}

/// Whether `ocr` is a valid OCR reference: 2 to 25 digits, the last a Luhn check
/// digit over the others.
pub fn ocr_valid(ocr: &str) -> bool {
    match digits_of(ocr) {
        Some(d) if (2..=OCR_MAX_DIGITS).contains(&d.len()) => luhn_valid(&d),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
