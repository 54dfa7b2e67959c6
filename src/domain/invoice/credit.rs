//! What credit notes may credit, and what an edit must leave them.
//!
//! A credit note corrects the invoice it refers to, VAT included. So each of
//! its rows stands at a rate the invoice has rows at, and at each rate the
//! credit notes together take off no more than the invoice's net at that
//! rate. Rows come in as `(VAT rate in basis points, net öre)`; the rows of
//! credit notes as stored, negative.

use std::collections::BTreeMap;

use super::Row;
use crate::domain::FieldError;
use crate::domain::money::{Ore, from_ore};

/// The net of `rows` at each VAT rate.
fn net_by_rate(rows: impl IntoIterator<Item = (i64, Ore)>) -> BTreeMap<i64, Ore> {
    let mut by_rate: BTreeMap<i64, Ore> = BTreeMap::new();
    for (rate, net) in rows {
        *by_rate.entry(rate).or_default() += net;
    }
    by_rate
}

/// What is left to credit at each rate the invoice charged: its net there
/// less what its credit notes took off.
fn left_by_rate(
    invoiced: impl IntoIterator<Item = (i64, Ore)>,
    credited: impl IntoIterator<Item = (i64, Ore)>,
) -> BTreeMap<i64, Ore> {
    let mut left = net_by_rate(invoiced);
    for (rate, net) in credited {
        *left.entry(rate).or_default() += net;
    }
    left
}

/// Whether a credit note of `credit` rows credits only VAT the invoice
/// charged, after the credit notes before it (`credited`). Fails on
/// `rows[i].vatRate` for a rate the invoice has no rows at, and on `rows`
/// when a rate would be credited beyond its net.
pub fn credit_fits(
    invoiced: impl IntoIterator<Item = (i64, Ore)>,
    credited: impl IntoIterator<Item = (i64, Ore)>,
    credit: &[Row],
) -> Result<(), FieldError> {
    let invoiced = net_by_rate(invoiced);
    if let Some(i) = credit
        .iter()
        .position(|r| !invoiced.contains_key(&r.vat_rate_bp))
    {
        return Err(FieldError::new(
            format!("rows[{i}].vatRate"),
            "the invoice has no rows at this VAT rate; a credit note credits only VAT the invoice charged",
        ));
    }
    let left = left_by_rate(invoiced, credited);
    let asked = net_by_rate(credit.iter().map(Row::net_at_rate));
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

/// Whether new rows for an invoice still hold what its credit notes took
/// off (`credited`): at each rate they credited, at least that net. Fails on
/// `rows`.
pub fn keeps_credited(
    rows: &[Row],
    credited: impl IntoIterator<Item = (i64, Ore)>,
) -> Result<(), FieldError> {
    let credited = net_by_rate(credited);
    let left = left_by_rate(rows.iter().map(Row::net_at_rate), credited.clone());
    match left.into_iter().find(|(_, net)| net.is_negative()) {
        Some((rate, _)) => Err(FieldError::new(
            "rows",
            format!(
                "the invoice's credit notes took {} off at {} % VAT; its rows at that rate must come to at least that before VAT",
                from_ore(-credited.get(&rate).copied().unwrap_or(Ore::ZERO)),
                rate / 100
            ),
        )),
        None => Ok(()),
    }
}

/// Whether a credit note of `note` rows (negative, as stored) credits what
/// `asked` asks for at each VAT rate: a retry of it rather than another
/// credit under the same key.
pub fn same_credit(note: impl IntoIterator<Item = (i64, Ore)>, asked: &[Row]) -> bool {
    let note = net_by_rate(note.into_iter().map(|(rate, net)| (rate, -net)));
    note == net_by_rate(asked.iter().map(Row::net_at_rate))
}
