//! Idempotency keys: the client's name for one request, so that a retry gets
//! the first answer instead of doing the work twice.

use super::FieldError;

/// The longest key, in characters.
pub const MAX_KEY_CHARS: usize = 100;

/// Reads a client's key: without surrounding blanks, 1 to 100 characters
/// (characters, not bytes: "ö" is one).
pub fn idempotency_key(raw: &str) -> Result<&str, FieldError> {
    let key = raw.trim();
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_KEY_CHARS {
        return Err(FieldError::new(
            "idempotencyKey",
            format!("must be 1 to {MAX_KEY_CHARS} characters"),
        ));
    }
    Ok(key)
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
