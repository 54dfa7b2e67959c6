//! Relay connection types: `edges { cursor node }`, `pageInfo`, `totalCount`.

use async_graphql::SimpleObject;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::page::{Page, PageRequest};

/// The largest page a complexity counts: a bigger `first` is refused by the
/// resolver with a VALIDATION error on `first`, which says more than a cost.
const COST_PAGE_CAP: usize = 100;

/// A list's weight in a query's complexity: `statement` for the statement that
/// reads the page, plus each item's fields times the page size (at least 1, so
/// `first: 0` is not free; at most [`COST_PAGE_CAP`]; 20 when not given).
pub fn list_cost(first: Option<i32>, statement: usize, child_complexity: usize) -> usize {
    let n = first.map_or(20, |n| usize::try_from(n).unwrap_or(0));
    statement.saturating_add(n.clamp(1, COST_PAGE_CAP).saturating_mul(child_complexity))
}

/// Where a page sits in its list.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(serial)]
pub struct PageInfo {
    /// More items follow this page.
    pub has_next_page: bool,
    /// More items precede this page.
    pub has_previous_page: bool,
    /// Cursor of the first item of the page.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of the page; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// Page info for a page of rows with these keys.
    pub fn of<T>(page: &Page<T>, key: impl Fn(&T) -> i64) -> Self {
        Self {
            has_next_page: page.has_next,
            has_previous_page: page.has_previous,
            start_cursor: page.items.first().map(|t| super::ids::cursor(key(t))),
            end_cursor: page.items.last().map(|t| super::ids::cursor(key(t))),
        }
    }
}

/// Whether the client's `pageInfo` asks if rows lie on the far side of the
/// request's cursor: `hasPreviousPage` for a forward page, `hasNextPage` for
/// a backward one. Finding out takes one more statement when a cursor is
/// given, so a page that does not ask skips it (and answers `false`).
pub fn far_side_asked(ctx: &async_graphql::Context<'_>, req: PageRequest) -> bool {
    let info = ctx.look_ahead().field("pageInfo");
    match req {
        PageRequest::Forward { .. } => info.field("hasPreviousPage").exists(),
        PageRequest::Backward { .. } => info.field("hasNextPage").exists(),
    }
}

/// The page a client asked for: `first`/`after`, and for lists that page
/// backwards too, `last`/`before`.
#[derive(Debug, Default)]
pub struct Window {
    /// Page size forwards.
    pub first: Option<i32>,
    /// Cursor to continue after.
    pub after: Option<String>,
    /// Page size backwards.
    pub last: Option<i32>,
    /// Cursor to continue before.
    pub before: Option<String>,
}

impl Window {
    /// A forward-only window.
    pub fn forward(first: Option<i32>, after: Option<String>) -> Self {
        Self {
            first,
            after,
            ..Self::default()
        }
    }

    /// A window that pages either way.
    pub fn both(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// The app's state and the window checked against its page size maximum.
    pub fn request(
        self,
        ctx: &async_graphql::Context<'_>,
    ) -> Result<(AppState, PageRequest), AppError> {
        let st = super::state(ctx).clone();
        let max = st.settings.max_page_size;
        let req = super::ids::page_request(self.first, self.after, self.last, self.before, max)?;
        Ok((st, req))
    }
}

/// Declares `<Node>Connection` and `<Node>Edge` for a node type. The connection's
/// `totalCount` is computed only when asked for, by a closure stored with it.
#[macro_export]
macro_rules! connection_types {
    ($conn:ident, $edge:ident, $node:ty, $doc:literal) => {
        #[doc = concat!("An edge to ", $doc, ".")]
        #[derive(async_graphql::SimpleObject)]
        #[graphql(serial)]
        pub struct $edge {
            /// Opaque position of this edge; pass as `after`/`before`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        #[doc = concat!("A page of ", $doc, ".")]
        pub struct $conn {
            /// The items of the page.
            pub edges: Vec<$edge>,
            /// Where the page sits.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// Counts every matching item, run only when `totalCount` is selected.
            pub total: $crate::graphql::connection::Counter,
        }

        impl $conn {
            /// The connection of one page of stored rows: each row's key is its
            /// cursor, `node` wraps it, `total` counts on demand.
            pub fn from_page<T: $crate::store::page::Keyed>(
                page: $crate::store::page::Page<T>,
                node: impl Fn(T) -> $node,
                total: $crate::graphql::connection::Counter,
            ) -> Self {
                let key = $crate::store::page::Keyed::key;
                let page_info = $crate::graphql::connection::PageInfo::of(&page, key);
                let edges = page
                    .items
                    .into_iter()
                    .map(|t| $edge {
                        cursor: $crate::graphql::ids::cursor(key(&t)),
                        node: node(t),
                    })
                    .collect();
                Self {
                    edges,
                    page_info,
                    total,
                }
            }

            /// One page of `list`: `window` checked against the server's page
            /// size, each record wrapped by `node`, and the list counted only
            /// when a client selects `totalCount`.
            pub async fn read<T>(
                ctx: &async_graphql::Context<'_>,
                window: $crate::graphql::connection::Window,
                node: impl Fn(T) -> $node,
                list: $crate::store::page::Listing<T>,
            ) -> $crate::client_error::GqlResult<Self>
            where
                T: $crate::store::page::Keyed + 'static,
            {
                let (st, req) = window.request(ctx)?;
                let far_side = $crate::graphql::connection::far_side_asked(ctx, req);
                let page = list.page(&st.db, req, far_side).await?;
                let total = $crate::graphql::connection::count_of(st.db, list);
                Ok(Self::from_page(page, node, total))
            }
        }

        #[doc = concat!("A page of ", $doc, ".")]
        #[async_graphql::Object(serial)]
        impl $conn {
            /// The items of the page, with their cursors.
            async fn edges(&self) -> &Vec<$edge> {
                &self.edges
            }
            /// The items of the page, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|e| &e.node).collect()
            }
            /// Where the page sits in the list.
            async fn page_info(&self) -> &$crate::graphql::connection::PageInfo {
                &self.page_info
            }
            /// How many items match, over all pages.
            // A SQL count reads every matching row's index entry, unlike a
            // field of a row: it weighs 5 where a field weighs 1 (counted,
            // like every field of the connection, per item of the page).
            #[graphql(complexity = 5)]
            async fn total_count(&self) -> $crate::client_error::GqlResult<u64> {
                Ok((self.total)().await?)
            }
        }
    };
}

/// A deferred count query.
pub type Counter =
    Box<dyn Fn() -> futures_util::future::BoxFuture<'static, AppResult<u64>> + Send + Sync>;

/// A [`Counter`] that counts `list`, only when a client asks for `totalCount`.
pub fn count_of<T: 'static>(
    db: sea_orm::DatabaseConnection,
    list: crate::store::page::Listing<T>,
) -> Counter {
    Box::new(move || {
        let (db, list) = (db.clone(), list.clone());
        Box::pin(async move { list.count(&db).await })
    })
}
