//! The GraphQL API: schema, types, resolvers. Resolvers stay thin: parse
//! arguments, call one service or store function, map the result.

pub mod connection;
pub mod error;
pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod scalars;
pub mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, Schema};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Actor, Tenant};

/// The schema type served by the app.
pub type AppSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Builds the schema with the app's limits. `state` is shared with every resolver.
pub fn build_schema(state: AppState) -> AppSchema {
    let s = &state.settings;
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .limit_depth(s.max_query_depth)
        .limit_complexity(s.max_query_complexity)
        .extension(error::ErrorCodes)
        .data(state.clone())
        .finish()
}

/// The schema without any database, for exporting the SDL.
pub fn sdl() -> String {
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .finish()
        .sdl()
}

/// Who made the request: `None` when no token was sent.
#[derive(Debug, Clone)]
pub struct Identity(pub Option<Actor>);

/// Per-request data: the identity and, for company users, the data loaders.
pub fn request_data(state: &AppState, actor: Option<Actor>) -> async_graphql::Data {
    let mut data = async_graphql::Data::default();
    if let Some(tenant) = actor.as_ref().and_then(|a| a.tenant().ok()) {
        data.insert(DataLoader::new(
            loaders::CustomerLoader {
                state: state.clone(),
                tenant,
            },
            tokio::spawn,
        ));
        data.insert(DataLoader::new(
            loaders::InvoiceRowsLoader {
                state: state.clone(),
                tenant,
            },
            tokio::spawn,
        ));
    }
    data.insert(Identity(actor));
    data
}

/// The app state.
pub fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    // Inserted by `build_schema`; a schema without it is a programming error that
    // the schema tests catch, so fall back to a clear panic-free error path.
    ctx.data_unchecked::<AppState>()
}

/// The authenticated actor, or `UNAUTHENTICATED`.
pub fn actor<'a>(ctx: &Context<'a>) -> Result<&'a Actor, AppError> {
    ctx.data_opt::<Identity>()
        .and_then(|i| i.0.as_ref())
        .ok_or_else(|| {
            AppError::Unauthenticated(
                "send an API token: Authorization: Bearer <token> (or in connection_init)".into(),
            )
        })
}

/// The company the request acts for, or `UNAUTHENTICATED`/`FORBIDDEN`.
pub fn tenant(ctx: &Context<'_>) -> Result<Tenant, AppError> {
    actor(ctx)?.tenant()
}

/// A per-request data loader.
pub fn loader<'a, T: async_graphql::dataloader::Loader<i64>>(
    ctx: &Context<'a>,
) -> Result<&'a DataLoader<T>, AppError> {
    ctx.data_opt::<DataLoader<T>>()
        .ok_or_else(|| AppError::Forbidden("this field needs a company token".into()))
}
