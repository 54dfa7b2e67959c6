//! What the derived text columns hold: written by the store with the text
//! they derive from, and filled by the migration that adds them, from these
//! same functions.

use unicode_normalization::UnicodeNormalization;

/// A `*_lower` column: the text lower-cased, every letter included
/// (SQL's `LOWER` changes only A to Z on SQLite). The searches read these
/// columns and lower-case the text sought the same way.
pub fn lower(text: &str) -> String {
    text.to_lowercase()
}

/// A `*_sort` column: a key whose byte order is Swedish alphabetical order.
/// Case and accents do not count (é as e, ç as c); Å, Ä and Ö follow Z in
/// that order, with Æ as Ä and Ø as Ö, and Ü sorts as Y. Both databases
/// compare the key byte by byte (the PostgreSQL column is `COLLATE "C"`),
/// so the order is the same on each, whatever the database's locale.
pub fn sort_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        match c {
            // The three characters after `z` in ASCII.
            'å' => key.push('{'),
            'ä' | 'æ' => key.push('|'),
            'ö' | 'ø' => key.push('}'),
            'ü' => key.push('y'),
            // Other letters without their accents.
            c => key.extend(c.nfd().filter(|m| !is_combining_mark(*m))),
        }
    }
    key
}

/// The combining diacritical marks that decomposed Latin letters carry.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}
