//! The size limits of a query: how deep it nests and how much it costs
//! (`MAX_QUERY_DEPTH`, `MAX_QUERY_COMPLEXITY`). async-graphql measures both
//! while it validates a document; this extension reads the measures and
//! refuses a document over either limit with its own code
//! (`QUERY_TOO_DEEP`, `QUERY_TOO_COMPLEX`), so no error is told apart by its
//! text. A document that breaks a validation rule keeps that error.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};

use crate::client_error::{ErrorCode, server_error};

/// The two limits, as configured.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// The deepest a selection may nest.
    pub depth: usize,
    /// The highest complexity a document may reach.
    pub complexity: usize,
}

impl QueryLimits {
    /// The error for a document of this depth and complexity, if any;
    /// complexity is judged first.
    pub fn judge(&self, depth: usize, complexity: usize) -> Result<(), ServerError> {
        if complexity > self.complexity {
            Err(server_error(
                format!(
                    "the query's complexity is {complexity}; at most {} is allowed",
                    self.complexity
                ),
                ErrorCode::QueryTooComplex,
            ))
        } else if depth > self.depth {
            Err(server_error(
                format!(
                    "the query nests {depth} deep; at most {} is allowed",
                    self.depth
                ),
                ErrorCode::QueryTooDeep,
            ))
        } else {
            Ok(())
        }
    }
}

/// Installs [`QueryLimits`] in a schema. One instance serves every request.
pub struct LimitsExtension(Arc<Judge>);

impl LimitsExtension {
    /// The extension for these limits.
    pub fn new(limits: QueryLimits) -> Self {
        Self(Arc::new(Judge(limits)))
    }
}

impl ExtensionFactory for LimitsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        self.0.clone()
    }
}

struct Judge(QueryLimits);

#[async_graphql::async_trait::async_trait]
impl Extension for Judge {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let measured = next.run(ctx).await?;
        self.0
            .judge(measured.depth, measured.complexity)
            .map_err(|e| vec![e])?;
        Ok(measured)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<(), ServerError>) -> Option<String> {
        r.err()
            .and_then(|e| e.extensions)
            .and_then(|x| x.get("code").map(ToString::to_string))
    }

    #[test]
    fn a_limit_is_reached_not_passed_and_complexity_is_judged_first() {
        let l = QueryLimits {
            depth: 3,
            complexity: 10,
        };
        assert_eq!(code(l.judge(3, 10)), None);
        assert_eq!(code(l.judge(4, 10)).as_deref(), Some("\"QUERY_TOO_DEEP\""));
        assert_eq!(
            code(l.judge(3, 11)).as_deref(),
            Some("\"QUERY_TOO_COMPLEX\"")
        );
        assert_eq!(
            code(l.judge(4, 11)).as_deref(),
            Some("\"QUERY_TOO_COMPLEX\"")
        );
    }
}
