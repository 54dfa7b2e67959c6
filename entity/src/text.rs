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
