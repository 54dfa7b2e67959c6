//! What an edit of an invoice must keep: each payment on a part that still
//! exists, and Skatteverket's denials of its tax reduction.

use super::FieldError;
use crate::domain::money::{Ore, from_ore};

/// What has been paid on an invoice so far, by whom.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paid {
    /// By the customer, directly or through Nox Finans, and by credit notes.
    pub customer_ore: Ore,
    /// By Skatteverket, of a house-work invoice's tax reduction.
    pub skatteverket_ore: Ore,
}

impl Paid {
    /// All that has been paid, by anyone.
    pub fn total_ore(self) -> Ore {
        self.customer_ore + self.skatteverket_ore
    }
}

/// Whether new content for an invoice still covers what has been paid on it:
/// the total at least all that was paid, Skatteverket's part (the deductible)
/// at least what Skatteverket paid, and the customer's part (the total less
/// the deductible) at least what the customer paid. Otherwise a payment would
/// stand on a part that no longer exists, and the invoice could not be paid
/// to the end.
pub fn covers_paid(
    total_ore: Ore,
    deductible_ore: Option<Ore>,
    paid: Paid,
) -> Result<(), FieldError> {
    let field = "houseWork.deductibleAmount";
    if total_ore < paid.total_ore() {
        return Err(FieldError::new(
            "rows",
            "the new total is less than what has already been paid",
        ));
    }
    let Some(deductible) = deductible_ore else {
        return if paid.skatteverket_ore.is_positive() {
            Err(FieldError::new(
                "houseWork",
                format!(
                    "must be kept: Skatteverket has already paid {} of the tax reduction",
                    from_ore(paid.skatteverket_ore)
                ),
            ))
        } else {
            Ok(())
        };
    };
    if deductible < paid.skatteverket_ore {
        return Err(FieldError::new(
            field,
            format!(
                "must not be less than what Skatteverket has already paid ({})",
                from_ore(paid.skatteverket_ore)
            ),
        ));
    }
    if total_ore - deductible < paid.customer_ore {
        return Err(FieldError::new(
            field,
            format!(
                "leaves the customer's part below what the customer has already paid ({})",
                from_ore(paid.customer_ore)
            ),
        ));
    }
    Ok(())
}

/// Whether an edit keeps what Skatteverket denied of an invoice's tax
/// reduction (called once it has denied any): the reduction may stay or
/// fall, but not rise above `current_ore`, what it stands at, or the edit
/// would claim again what Skatteverket refused. Once none is left
/// (`None`: denied whole, or dropped by an edit after a denial), none comes
/// back.
pub fn keeps_denied_reduction(
    current_ore: Option<Ore>,
    deductible_ore: Option<Ore>,
) -> Result<(), FieldError> {
    let Some(asked) = deductible_ore.filter(|d| d.is_positive()) else {
        return Ok(());
    };
    let Some(current) = current_ore else {
        return Err(FieldError::new(
            "houseWork",
            "Skatteverket has denied part of the tax reduction, and none is left: an edit may not claim one again",
        ));
    };
    if asked > current {
        return Err(FieldError::new(
            "houseWork.deductibleAmount",
            format!(
                "Skatteverket has denied part of the tax reduction: it may not rise above {}",
                from_ore(current)
            ),
        ));
    }
    Ok(())
}
