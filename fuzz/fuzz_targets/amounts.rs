//! Amounts as clients send them (the `Decimal` scalar, then the öre rule): no
//! input panics, an accepted amount is whole öre within the limit, and it
//! reads back as the same number.
#![no_main]

use async_graphql::{ScalarType, Value};
use invoice_finance::domain::money::{MAX_AMOUNT_ORE, from_ore, parse_amount};
use invoice_finance::graphql::scalars::Decimal;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(Decimal(amount)) = Decimal::parse(Value::String(raw.to_string())) else {
        return;
    };
    for allow_negative in [false, true] {
        if let Ok(ore) = parse_amount("amount", amount, allow_negative) {
            assert!(ore.abs() <= MAX_AMOUNT_ORE);
            assert!(allow_negative || ore >= 0);
            assert_eq!(from_ore(ore), amount);
        }
    }
});
