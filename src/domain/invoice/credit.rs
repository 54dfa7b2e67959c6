//! What credit notes may credit, and what an edit must leave them.
//!
//! A credit note corrects the invoice it refers to, VAT included. So each of
//! its rows stands at a rate the invoice has rows at, and at each rate the
//! credit notes together take off no more than the invoice's net at that
//! rate. Rows come in as `(VAT rate in basis points, net öre)`; the rows of
//! credit notes as stored, negative.
//!
//! A credit note's VAT is the fall it makes in the VAT left to credit
//! ([`credit_totals`]), so credit notes that together credit the whole net
//! take off exactly the VAT the invoice charged, however they were split:
//! the invoice closes to the öre.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{Row, Totals, vat_on};
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

/// What is left to credit at each rate the invoice charged, where anything
/// is: `(VAT rate in basis points, net öre)`, the rates in the order the
/// invoice's rows first charge them.
pub fn left_to_credit(
    invoiced: impl IntoIterator<Item = (i64, Ore)>,
    credited: impl IntoIterator<Item = (i64, Ore)>,
) -> Vec<(i64, Ore)> {
    let invoiced: Vec<(i64, Ore)> = invoiced.into_iter().collect();
    let left = left_by_rate(invoiced.iter().copied(), credited);
    let mut rates: Vec<i64> = Vec::new();
    for (rate, _) in invoiced {
        if !rates.contains(&rate) {
            rates.push(rate);
        }
    }
    rates
        .into_iter()
        .filter_map(|rate| Some((rate, left.get(&rate).copied()?)))
        .filter(|(_, net)| net.is_positive())
        .collect()
}

/// Rows that credit `left` (as [`left_to_credit`] gives it), one a rate, each
/// described as `description`.
pub fn rows_crediting(left: &[(i64, Ore)], description: &str) -> Vec<Row> {
    left.iter()
        .map(|&(rate, net)| Row {
            description: description.to_string(),
            quantity_milli: 1000,
            unit_price_ore: net,
            vat_rate_bp: rate,
            amount_ore: net,
        })
        .collect()
}

/// What a credit note of `credit` rows takes off, after the credit notes
/// before it: their rows (`credited`) and what they took off in all, VAT
/// included (`credited_total`). Fails as [`credit_fits`] does.
///
/// Its VAT is the invoice's VAT not yet credited less the VAT on what it
/// leaves to credit, rounded to öre at each rate. So it is within an öre a
/// rate of the VAT on its own net, and a credit that leaves nothing takes
/// off the last öre of the invoice's VAT, however earlier credits were split
/// and however the invoice's rows changed between them.
pub fn credit_totals<I, C>(
    invoiced: I,
    credited: C,
    credited_total: Ore,
    credit: &[Row],
) -> Result<Totals, FieldError>
where
    I: IntoIterator<Item = (i64, Ore)> + Clone,
    C: IntoIterator<Item = (i64, Ore)> + Clone,
{
    credit_fits(invoiced.clone(), credited.clone(), credit)?;
    let charged: Ore = net_by_rate(invoiced.clone())
        .into_iter()
        .map(|(rate, net)| vat_on(net, rate))
        .sum();
    let credited_net: Ore = credited.clone().into_iter().map(|(_, net)| -net).sum();
    let vat_left = charged - (credited_total - credited_net);
    let asked = net_by_rate(credit.iter().map(Row::net_at_rate));
    let vat_left_after: Ore = left_by_rate(invoiced, credited)
        .into_iter()
        .map(|(rate, left)| vat_on(left - asked.get(&rate).copied().unwrap_or(Ore::ZERO), rate))
        .sum();
    let net_ore: Ore = asked.values().sum();
    let vat_ore = vat_left - vat_left_after;
    Ok(Totals {
        net_ore,
        vat_ore,
        total_ore: net_ore + vat_ore,
    })
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

/// How much a credit of `credit_ore` that lowers a house-work invoice's tax
/// reduction to `after` takes off it: the part of the credit that is
/// Skatteverket's, the rest being the customer's. Crediting labour lowers
/// the reduction, which is a share of the labour; the company says the
/// reduction that is left. It can only fall, by at most the credit, and
/// not below what Skatteverket has already paid (`paid_ore`). Fails on
/// `houseWorkDeductibleAmount`, as on an invoice without house work
/// (`deductible_ore` `None`).
pub fn reduction_fall(
    credit_ore: Ore,
    deductible_ore: Option<Ore>,
    paid_ore: Ore,
    after: Decimal,
) -> Result<Ore, FieldError> {
    let field = "houseWorkDeductibleAmount";
    let after = crate::domain::money::parse_amount(field, after, false)?;
    let Some(deductible) = deductible_ore else {
        return Err(FieldError::new(field, "the invoice has no house work"));
    };
    if after > deductible {
        return Err(FieldError::new(
            field,
            format!(
                "a credit can lower the tax reduction ({}), not raise it",
                from_ore(deductible)
            ),
        ));
    }
    if after < paid_ore {
        return Err(FieldError::new(
            field,
            format!(
                "must not be less than the tax reduction Skatteverket has paid: Skatteverket has paid {} of it",
                from_ore(paid_ore)
            ),
        ));
    }
    let fall = deductible - after;
    if fall > credit_ore {
        return Err(FieldError::new(
            field,
            format!(
                "the tax reduction falls by at most the credit ({}); it would fall by {}",
                from_ore(credit_ore),
                from_ore(fall)
            ),
        ));
    }
    Ok(fall)
}
