//! Who acts: the authenticated [`Actor`] of a request, and the capabilities
//! the store's functions demand: a [`Tenant`] (one company's data), an
//! [`Operator`] (every company's), or a [`Scope`] (either, for reads).
//! Their fields are visible to the store alone, so code outside it obtains
//! them from an actor or from the store.

use crate::domain::id::{CompanyId, TokenId};
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
    pub token_id: TokenId,
    /// Its role.
    pub role: Role,
    /// The company a company user acts for.
    pub(super) company_id: Option<CompanyId>,
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

    /// Whose data this actor may read: its company's, or every company's for
    /// an operator.
    pub fn scope(&self) -> Option<Scope> {
        self.reader().ok()
    }

    /// [`Actor::scope`], or why this actor may read nothing (the tenant's
    /// refusal).
    pub fn reader(&self) -> Result<Scope, AppError> {
        match self.operator() {
            Ok(op) => Ok(Scope::Operator(op)),
            Err(_) => self.tenant().map(Scope::Company),
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
/// or by the store, from a row it read: a job's, an event's or a company's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tenant(pub(super) CompanyId);

impl Tenant {
    /// The company id.
    pub fn company_id(self) -> CompanyId {
        self.0
    }
}

/// Proof that the caller is the financier's operator, who may act across
/// companies. Obtained from an [`Actor`], or by trusted background code.
#[derive(Debug, Clone, Copy)]
pub struct Operator(pub(super) Option<TokenId>);

impl Operator {
    /// For code that acts for the financier with no token: the command line,
    /// the seeders and the drill. `clippy.toml` disallows it elsewhere, so each
    /// use is a marked, reviewed exception; a request's operator comes from its
    /// [`Actor`], a job's tenant from the store.
    pub fn system() -> Self {
        Self(None)
    }

    /// The token of the operator acting; `None` for the server itself.
    pub fn token_id(self) -> Option<TokenId> {
        self.0
    }
}

/// Whose data a read may see.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// One company's.
    Company(Tenant),
    /// Every company's (the financier's operator).
    Operator(Operator),
}
