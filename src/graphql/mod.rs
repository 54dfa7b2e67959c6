//! The GraphQL API: schema, types, resolvers. Resolvers stay thin: parse
//! arguments, call one service or store function, map the result.

pub mod connection;
pub mod error;
pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod nox_api;
pub mod query;
pub mod sales_api;
pub mod scalars;
pub mod subscription;
pub mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Schema};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Actor, Tenant};

/// The schema type served by the app.
pub type AppSchema = Schema<query::QueryRoot, mutation::MutationRoot, subscription::Subscription>;

/// Builds the schema with the app's limits. `state` is shared with every resolver.
pub fn build_schema(state: AppState) -> AppSchema {
    let s = &state.settings;
    Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::Subscription,
    )
    .limit_depth(s.max_query_depth)
    .limit_complexity(s.max_query_complexity)
    .extension(error::ErrorCodes)
    .data(state.clone())
    .finish()
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

/// Who made the request: `None` when no token was sent.
#[derive(Debug, Clone)]
pub struct Identity(pub Option<Actor>);

/// Per-request data: the identity and the data loaders of its scope.
pub fn request_data(state: &AppState, actor: Option<Actor>) -> async_graphql::Data {
    use loaders::*;
    let mut data = async_graphql::Data::default();
    let scope = match actor.as_ref() {
        Some(a) => match (a.tenant(), a.operator()) {
            (Ok(t), _) => Some(Scope::Company(t)),
            (_, Ok(op)) => Some(Scope::Operator(op)),
            _ => None,
        },
        None => None,
    };
    if let Some(scope) = scope {
        let st = || state.clone();
        data.insert(DataLoader::new(
            CustomerLoader { state: st(), scope },
            tokio::spawn,
        ));
        data.insert(DataLoader::new(
            InvoiceRowsLoader { state: st(), scope },
            tokio::spawn,
        ));
        if let Scope::Company(tenant) = scope {
            data.insert(DataLoader::new(
                InvoiceLoader {
                    state: st(),
                    tenant,
                },
                tokio::spawn,
            ));
            data.insert(DataLoader::new(
                NoxCaseByInvoiceLoader {
                    state: st(),
                    tenant,
                },
                tokio::spawn,
            ));
            data.insert(DataLoader::new(
                PaymentsLoader {
                    state: st(),
                    tenant,
                },
                tokio::spawn,
            ));
            data.insert(DataLoader::new(
                SaleByInvoiceLoader {
                    state: st(),
                    tenant,
                },
                tokio::spawn,
            ));
            data.insert(DataLoader::new(
                VoucherRowsLoader {
                    state: st(),
                    tenant,
                },
                tokio::spawn,
            ));
        }
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
