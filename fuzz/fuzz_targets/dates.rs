//! Dates as clients send them (the `Date` scalar): no input panics, and an
//! accepted date prints back as the same `YYYY-MM-DD` it parses from.
#![no_main]

use async_graphql::{ScalarType, Value};
use invoice_finance::graphql::scalars::Date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(date) = Date::parse(Value::String(raw.to_string())) {
        let printed = date.to_value();
        assert_eq!(Date::parse(printed).ok(), Some(date));
    }
});
