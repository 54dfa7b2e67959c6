//! Data access. **Every function that reads or writes company data takes a
//! [`Tenant`]** and scopes its SQL by it, so a resolver cannot forget: another
//! company's row is invisible here, exactly as if it did not exist.
//!
//! A [`Tenant`] can only be obtained from an authenticated [`Actor`].

pub mod audit;
pub mod companies;
pub mod customers;
pub mod invoices;
pub mod jobs;
pub mod ledger;
pub mod notifications;
pub mod nox;
pub mod outbox;
pub mod page;
pub mod raw;
pub mod rows;
pub mod sales;
pub mod secrets;
pub mod tokens;

use crate::error::AppError;

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A user of one company.
    Company,
    /// The financier's staff.
    Operator,
}

impl Role {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Operator => "operator",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "company" => Some(Self::Company),
            "operator" => Some(Self::Operator),
            _ => None,
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token used.
    pub token_id: i64,
    /// Its role.
    pub role: Role,
    /// The company a company user acts for.
    company_id: Option<i64>,
    /// The token's label (shown in the audit log).
    pub label: String,
    /// When the token stops being accepted.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Actor {
    /// Whether the token has expired at `now`.
    pub fn expired(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// The company this actor may read and change.
    pub fn tenant(&self) -> Result<Tenant, AppError> {
        match (self.role, self.company_id) {
            (Role::Company, Some(id)) => Ok(Tenant(id)),
            _ => Err(AppError::Forbidden(
                "this operation needs a company token; operators act on no company's data".into(),
            )),
        }
    }

    /// The operator capability, for operators only.
    pub fn operator(&self) -> Result<Operator, AppError> {
        if self.role == Role::Operator {
            Ok(Operator(Some(self.token_id)))
        } else {
            Err(AppError::Forbidden(
                "this operation is for operators only".into(),
            ))
        }
    }
}

/// The company whose data a call may touch. Constructed only from an [`Actor`]
/// (or by trusted code such as the demo seeder, through [`Tenant::trusted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tenant(i64);

impl Tenant {
    /// The company id.
    pub fn company_id(self) -> i64 {
        self.0
    }

    /// A tenant for code that acts for a company without a request: the seeder,
    /// background jobs. Never call it with an id that came from a client.
    pub fn trusted(company_id: i64) -> Self {
        Self(company_id)
    }
}

/// Proof that the caller is the financier's operator, who may act across
/// companies. Obtained from an [`Actor`], or by trusted background code.
#[derive(Debug, Clone, Copy)]
pub struct Operator(Option<i64>);

impl Operator {
    /// For background work (the worker, the command line) that acts for the
    /// financier.
    pub fn system() -> Self {
        Self(None)
    }

    /// The token of the operator acting; `None` for the server itself.
    pub fn token_id(self) -> Option<i64> {
        self.0
    }
}
