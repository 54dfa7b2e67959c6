//! What a credit note may credit.

use std::collections::BTreeMap;

use super::Row;
use crate::domain::FieldError;
use crate::domain::money::{Ore, from_ore};

/// Whether a credit note of `credit` rows credits only VAT the invoice
/// charged. A credit note corrects the invoice it refers to, VAT included,
/// so each of its rows stands at a rate the invoice has rows at, and at each
/// rate the credit notes together (`credited`: the rows of those before it,
/// negative as stored) take off no more than the invoice's net at that rate
/// (`invoiced`: the invoice's rows). Rates and amounts are `(basis points,
/// net öre)`. Fails on `rows[i].vatRate` for a rate the invoice lacks, and on
/// `rows` when a rate would be credited beyond its net.
pub fn credit_fits(
    invoiced: &[(i64, Ore)],
    credited: &[(i64, Ore)],
    credit: &[Row],
) -> Result<(), FieldError> {
    let mut left: BTreeMap<i64, Ore> = BTreeMap::new();
    for (rate, net) in invoiced {
        *left.entry(*rate).or_default() += *net;
    }
    for (rate, net) in credited {
        // Stored credit rows are negative: adding them takes them off.
        *left.entry(*rate).or_default() += *net;
    }
    for (i, r) in credit.iter().enumerate() {
        if !invoiced.iter().any(|(rate, _)| *rate == r.vat_rate_bp) {
            return Err(FieldError::new(
                format!("rows[{i}].vatRate"),
                "the invoice has no rows at this VAT rate; a credit note credits only VAT the invoice charged",
            ));
        }
    }
    let mut asked: BTreeMap<i64, Ore> = BTreeMap::new();
    for r in credit {
        *asked.entry(r.vat_rate_bp).or_default() += r.amount_ore;
    }
    for (rate, net) in asked {
        let room = left.get(&rate).copied().unwrap_or(Ore::ZERO);
        if net > room {
            return Err(FieldError::new(
                "rows",
                format!(
                    "at {} % VAT the credit ({} before VAT) is more than is left to credit at that rate ({})",
                    rate / 100,
                    from_ore(net),
                    from_ore(room.max(Ore::ZERO))
                ),
            ));
        }
    }
    Ok(())
}
