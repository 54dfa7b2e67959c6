//! What the derived text columns hold: written by the store with the text
//! they derive from, and filled by the migration that adds them, from these
//! same functions.

use unicode_normalization::UnicodeNormalization;

/// A `*_search` column: the text lower-cased, every letter included (SQL's
/// `LOWER` changes only A to Z on SQLite), and without accents but those of
/// the Swedish letters Å, Ä and Ö, which are letters of their own: "cafe"
/// finds "Café", "asa" does not find "Åsa". The searches read these columns
/// and put the text sought in the same form.
pub fn search_form(text: &str) -> String {
    lower_without_accents(text, |c| matches!(c, 'å' | 'ä' | 'ö').then_some(c))
}

/// A `*_sort` column: a key whose byte order is Swedish alphabetical order.
/// Case and accents do not count (é as e, ç as c); Å, Ä and Ö follow Z in
/// that order, with Æ as Ä and Ø as Ö, and Ü sorts as Y. Both databases
/// compare the key byte by byte (the PostgreSQL column is `COLLATE "C"`),
/// so the order is the same on each, whatever the database's locale.
pub fn sort_key(text: &str) -> String {
    lower_without_accents(text, |c| match c {
        // The three characters after `z` in ASCII.
        'å' => Some('{'),
        'ä' | 'æ' => Some('|'),
        'ö' | 'ø' => Some('}'),
        'ü' => Some('y'),
        _ => None,
    })
}

/// A customer number's sort key: its text as [`sort_key`] has it, with each
/// run of digits compared as a number: "9" before "10", "K9" before "K10".
/// A run is written as its length in two digits (a customer number has at
/// most 20 characters) and then its digits without leading zeros, so a
/// shorter number sorts first and numbers of one length by their digits;
/// "007" and "7" have the same key.
pub fn number_sort_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&sort_key(&rest[..start]));
        let run = &rest[start..];
        let end = run.find(|c: char| !c.is_ascii_digit()).unwrap_or(run.len());
        let digits = run[..end].trim_start_matches('0');
        out.push_str(&format!("{:02}", digits.len()));
        out.push_str(digits);
        rest = &run[end..];
    }
    out.push_str(&sort_key(rest));
    out
}

/// `text` lower-cased, each letter as `special` says, or else without its
/// accents.
fn lower_without_accents(text: &str, special: impl Fn(char) -> Option<char>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        match special(c) {
            Some(s) => out.push(s),
            None => out.extend(without_accents(c)),
        }
    }
    out
}

/// `c` without its accents: decomposed, less the combining diacritical
/// marks that decomposed Latin letters carry.
fn without_accents(c: char) -> impl Iterator<Item = char> {
    std::iter::once(c)
        .nfd()
        .filter(|m| !matches!(m, '\u{0300}'..='\u{036F}'))
}
