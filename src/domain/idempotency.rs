//! Idempotency keys: the client's name for one request, so that a retry gets
//! the first answer instead of doing the work twice.

use super::FieldError;

/// The longest key, in characters.
pub const MAX_KEY_CHARS: usize = 100;

/// Reads a client's key: without surrounding blanks, 1 to 100 characters
/// (characters, not bytes: "ö" is one).
pub fn idempotency_key(raw: &str) -> Result<&str, FieldError> {
    super::required_text("idempotencyKey", raw, MAX_KEY_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_trimmed_and_counted_in_characters() {
        assert_eq!(idempotency_key("  k-1 "), Ok("k-1"));
        assert_eq!(idempotency_key(&"ö".repeat(100)).map(str::len), Ok(200));
        for bad in [
            String::new(),
            " \t ".into(),
            "k".repeat(101),
            "ö".repeat(101),
        ] {
            assert_eq!(
                idempotency_key(&bad).map_err(|e| e.field),
                Err("idempotencyKey".to_string()),
                "{bad:?}"
            );
        }
    }
}
