//! The GraphQL API: schema, types, resolvers. Resolvers stay thin: parse
//! arguments, call one service or store function, map the result.

pub mod connection;
pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod nox_api;
pub mod operator_api;
pub mod order;
pub mod query;
pub mod sales_api;
pub mod scalars;
pub mod subscription;
pub mod types;

use async_graphql::{Context, Schema};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Actor, Tenant};

/// The schema type served by the app.
pub type AppSchema = Schema<query::QueryRoot, mutation::MutationRoot, subscription::Subscription>;

/// Builds the schema with the app's limits. `state` is shared with every resolver.
pub fn build_schema(state: AppState) -> AppSchema {
    let s = &state.settings;
    let builder = Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::Subscription,
    )
    .limit_depth(s.max_query_depth)
    .limit_complexity(s.max_query_complexity);
    // INTROSPECTION=false hides the schema (`__schema`, `__type`); `__typename`
    // still answers.
    let builder = if s.introspection {
        builder
    } else {
        builder.disable_introspection()
    };
    builder.data(state.clone()).finish()
}

/// The schema without any database, for exporting the SDL.
pub fn sdl() -> String {
    Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::Subscription,
    )
    .finish()
    .sdl()
}

/// Where a subscription's execution notes the commit time (ms) of the event
/// it is answering, so the socket that writes the answer can measure the
/// delivery lag from commit to socket.
#[derive(Debug, Clone, Default)]
pub struct DeliveryMark(pub std::sync::Arc<std::sync::atomic::AtomicI64>);

impl DeliveryMark {
    /// The commit time of the event answered last (0: none yet).
    pub fn get(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Who made the request: `None` when no token was sent.
#[derive(Debug, Clone)]
pub struct Identity(pub Option<Actor>);

/// Per-request data: the identity and the data loaders of its scope, each
/// built on first use. With `cache` the loaders keep what they read for the
/// rest of the request (queries: a list primes them with the rows it joined).
pub fn request_data(state: &AppState, actor: Option<Actor>, cache: bool) -> async_graphql::Data {
    let mut data = async_graphql::Data::default();
    let scope = actor.as_ref().and_then(Actor::scope);
    if let Some(scope) = scope {
        data.insert(loaders::Loaders::new(state.clone(), scope, cache));
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
pub fn loader<'a, T: loaders::ScopedLoader>(
    ctx: &Context<'a>,
) -> Result<&'a loaders::Load<T>, AppError> {
    ctx.data_opt::<loaders::Loaders>()
        .and_then(|l| l.get::<T>())
        .ok_or_else(|| AppError::Forbidden("this field needs a company token".into()))
}
