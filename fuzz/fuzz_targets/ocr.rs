//! OCR references: checking any input never panics, the reference made for
//! any company's invoice number is valid, and changing one digit of it makes
//! it invalid.
#![no_main]

use invoice_finance::domain::id::CompanyId;
use invoice_finance::domain::identifiers::{ocr_for, ocr_valid};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = std::str::from_utf8(data) {
        let _ = ocr_valid(raw);
    }
    if data.len() >= 13 {
        let mut n = [0u8; 8];
        n.copy_from_slice(&data[..8]);
        let number = u64::from_le_bytes(n) % 10_000_000_000_000;
        let mut c = [0u8; 4];
        c.copy_from_slice(&data[9..13]);
        let company = CompanyId::new(i64::from(u32::from_le_bytes(c) % 1_000_000_000));
        let Some(ocr) = ocr_for(company, number) else {
            panic!("no reference for invoice {number} of company {company}");
        };
        assert!(ocr_valid(&ocr), "{ocr}");
        let i = usize::from(data[8]) % ocr.len();
        let mut digits: Vec<u8> = ocr.bytes().collect();
        digits[i] = b'0' + (digits[i] - b'0' + 1 + data[8] % 9) % 10;
        let changed = String::from_utf8(digits).unwrap_or_default();
        assert!(!ocr_valid(&changed), "{ocr} -> {changed}");
    }
});
