//! Spot checks: which rule selects a sale for a manual look, and the
//! sampling of a company's later sales.

use super::*;
use crate::domain::id::{CompanyId, SaleId};
use crate::domain::money::Ore;

/// The rule of the routine random sample, which needs no finding.
pub const ROUTINE_SAMPLE: &str = "ROUTINE_SAMPLE";

/// What spot-check selection knows about a new sale and the company's history.
#[derive(Debug, Clone, Copy)]
pub struct SpotCheckFacts {
    /// The company's approved (or paid-out) sales so far.
    pub approved_sales: u32,
    /// Whether the company has an approved sale to this recipient already.
    pub recipient_known: bool,
    /// Average approved amount, in öre (0 without history).
    pub average_approved_ore: Ore,
    /// This sale's amount.
    pub amount_ore: Ore,
    /// This sale's routine draw in 0..1000 ([`sampling_draw`]): the sale is
    /// a routine sample when it falls under [`sampling_permille`].
    pub draw: u32,
}

/// A spot-check rule: data, with a name, a condition and an explanation.
pub struct SpotCheckRule {
    /// Stable name, shown to operators and users.
    pub name: &'static str,
    /// Why the rule exists, in a sentence.
    pub explanation: &'static str,
    /// Whether the rule selects this sale.
    pub applies: fn(&SpotCheckFacts) -> bool,
    /// Whether an unanswered check of this rule still lets the sale through.
    pub unanswered_approves: bool,
}

impl std::fmt::Debug for SpotCheckRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// How many first sales are always checked.
pub const ALWAYS_CHECK_FIRST: u32 = 5;
/// The lowest share of routine checks, in per mille.
pub const SAMPLING_FLOOR_PERMILLE: u32 = 50;

/// The share (per mille) of routine sampling after `approved` approved sales:
/// 1000 for the first sales, then falling as 5000 / approved, to the floor.
pub fn sampling_permille(approved: u32) -> u32 {
    if approved < ALWAYS_CHECK_FIRST {
        1000
    } else {
        (5000 / approved.max(1)).clamp(SAMPLING_FLOOR_PERMILLE, 1000)
    }
}

/// The server's key for routine sampling. Without it a company cannot tell
/// which of its sales will be drawn; with it an operator can reproduce every
/// draw.
#[derive(Clone)]
pub struct SamplingKey(Vec<u8>);

impl SamplingKey {
    /// A key from secret bytes (at least 16).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Option<Self> {
        let bytes = bytes.into();
        (bytes.len() >= 16).then_some(Self(bytes))
    }
}

impl std::fmt::Debug for SamplingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SamplingKey(..)")
    }
}

/// The routine draw of a sale, in 0..1000: HMAC-SHA256 under the server's key
/// of the company and the sale. Deterministic (the same sale always draws the
/// same number, so operators can reproduce a selection) and, without the key,
/// unpredictable.
pub fn sampling_draw(key: &SamplingKey, company_id: CompanyId, sale_id: SaleId) -> u32 {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) else {
        // HMAC takes a key of any length; this branch cannot be reached.
        return 0;
    };
    mac.update(format!("spot-check|{company_id}|{sale_id}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    n % 1000
}

/// The rules, in priority order: the first that applies selects the sale.
pub const SPOT_CHECK_RULES: &[SpotCheckRule] = &[
    SpotCheckRule {
        name: "FIRST_SALES",
        explanation: "A company's first five sales are always checked with the recipient.",
        applies: |f| f.approved_sales < ALWAYS_CHECK_FIRST,
        unanswered_approves: false,
    },
    SpotCheckRule {
        name: "NEW_RECIPIENT",
        explanation: "The first sale to a recipient is checked: we confirm they expect the invoice.",
        applies: |f| !f.recipient_known,
        unanswered_approves: false,
    },
    SpotCheckRule {
        name: "LARGE_AMOUNT",
        explanation: "The amount is more than three times the company's average sold invoice.",
        applies: |f| {
            f.average_approved_ore.is_positive() && f.amount_ore > f.average_approved_ore.times(3)
        },
        unanswered_approves: false,
    },
    SpotCheckRule {
        name: ROUTINE_SAMPLE,
        explanation: "Routine sample: checks are dense at first and thin out as the company's approved history grows, down to 5 %.",
        applies: |f| f.draw < sampling_permille(f.approved_sales),
        unanswered_approves: true,
    },
];

/// The rule that selects this sale for a spot check, if any.
pub fn select_spot_check(f: &SpotCheckFacts) -> Option<&'static SpotCheckRule> {
    SPOT_CHECK_RULES.iter().find(|r| (r.applies)(f))
}

/// A rule by name.
pub fn spot_check_rule(name: &str) -> Option<&'static SpotCheckRule> {
    SPOT_CHECK_RULES.iter().find(|r| r.name == name)
}

stored_enum! {
    /// How a spot check ended.
    pub enum SpotCheckOutcome {
        /// The recipient confirmed the invoice.
        Confirmed = "CONFIRMED",
        /// The recipient disputed it.
        Disputed = "DISPUTED",
        /// The recipient could not be reached (also the outcome at the deadline).
        NoAnswer = "NO_ANSWER",
    }
}
