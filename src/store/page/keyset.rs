//! Pages of one `SELECT` by keyset: along the id, or along a sort value and
//! then the id.

use std::marker::PhantomData;

use futures_util::future::BoxFuture;
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement, SubQueryStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};

use super::{Keyed, Page, PageRequest, PageSource, limited};
use crate::error::{AppError, AppResult};

/// A sort by a column's value ahead of the key: rows of equal value keep key
/// order, and a cursor (a key) marks one place, its row's value read back
/// when a page is asked for.
pub struct SortBy<E: EntityTrait> {
    /// The value's column.
    pub value: E::Column,
    /// The rows a cursor's value may be read from: those of the list's
    /// owner, so that a cursor naming another company's row finds no value
    /// (and an empty page) rather than that row's place among the list's.
    pub pivot: Select<E>,
}

impl<E: EntityTrait> Clone for SortBy<E> {
    fn clone(&self) -> Self {
        Self {
            value: self.value,
            pivot: self.pivot.clone(),
        }
    }
}

/// The rows past a cursor along a key `id`, or along a sort value and then
/// `id`: where (value, id) is larger (`larger`) or smaller than the
/// cursor's, or equal too when `inclusive`. `sort` is the value and the
/// statement that reads the cursor row's value, which the rows compare
/// against.
pub fn past(
    id: Expr,
    sort: Option<(Expr, SelectStatement)>,
    cursor: i64,
    larger: bool,
    inclusive: bool,
) -> Expr {
    let cmp = |l: Expr, r: Expr| match (larger, inclusive) {
        (true, false) => l.gt(r),
        (true, true) => l.gte(r),
        (false, false) => l.lt(r),
        (false, true) => l.lte(r),
    };
    match sort {
        None => cmp(id, Expr::val(cursor)),
        Some((value, pivot)) => cmp(
            Expr::tuple([value, id]),
            Expr::tuple([
                Expr::SubQuery(None, Box::new(SubQueryStatement::from(pivot))),
                Expr::val(cursor),
            ]),
        ),
    }
}

/// The rows beyond the cursor `cursor` in list order (`forward`: further
/// along; otherwise before it), the cursor's row too when `inclusive`. `key`
/// ascends along the list unless `descending`.
fn beyond<E: EntityTrait>(
    key: E::Column,
    sort: Option<&SortBy<E>>,
    descending: bool,
    cursor: i64,
    forward: bool,
    inclusive: bool,
) -> Expr {
    let value = sort.map(|s| {
        let pivot = s
            .pivot
            .clone()
            .select_only()
            .column(s.value)
            .filter(key.eq(cursor))
            .into_query();
        (Expr::col((E::default(), s.value)), pivot)
    });
    let id = Expr::col((E::default(), key));
    past(id, value, cursor, forward != descending, inclusive)
}

/// Fetches one page of `select`, ordered by `sort`'s value if any and then
/// by `key` (descending when `descending`), read as records `R`: the page's
/// rows plus one tells whether more follow, and, when `far_side`, one probe
/// at the cursor whether any lie on its other side.
pub(super) async fn fetch<R, E, C>(
    db: &C,
    select: Select<E>,
    key: E::Column,
    sort: Option<&SortBy<E>>,
    req: PageRequest,
    descending: bool,
    far_side: bool,
) -> Result<Page<R>, crate::error::AppError>
where
    E: EntityTrait,
    E::Model: Keyed + Send + Sync,
    C: ConnectionTrait,
    R: TryFrom<E::Model>,
    crate::error::AppError: From<R::Error>,
{
    let (size, cursor, forward) = req.parts();
    let order = if forward == descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut q = select.clone();
    if let Some(s) = sort {
        q = q.order_by(s.value, order.clone());
    }
    q = q.order_by(key, order);
    if let Some(c) = cursor {
        q = q.filter(beyond(key, sort, descending, c, forward, false));
    }
    let stmt = limited(db, &q.into_query(), size + 1);
    let items = E::Model::find_by_statement(stmt).all(db).await?;
    // Rows on the other side of the cursor (or at it).
    let behind = match cursor {
        Some(c) if far_side => {
            let probe = select
                .filter(beyond(key, sort, descending, c, !forward, true))
                .into_query();
            db.query_one_raw(limited(db, &probe, 1)).await?.is_some()
        }
        _ => false,
    };
    Page::window(items, size, forward, behind).records()
}

/// A [`Listing`](super::Listing) over one `SELECT`, paged by [`fetch`].
pub(super) struct Keyset<E: EntityTrait, R> {
    select: Select<E>,
    key: E::Column,
    sort: Option<SortBy<E>>,
    descending: bool,
    record: PhantomData<fn() -> R>,
}

impl<E: EntityTrait, R> Keyset<E, R> {
    /// The rows of `select` ordered by `sort`'s value, if any, and then by
    /// `key`, all descending when `descending`.
    pub(super) fn new(
        select: Select<E>,
        key: E::Column,
        sort: Option<SortBy<E>>,
        descending: bool,
    ) -> Self {
        Self {
            select,
            key,
            sort,
            descending,
            record: PhantomData,
        }
    }
}

impl<E, R> PageSource<R> for Keyset<E, R>
where
    E: EntityTrait,
    E::Model: Keyed + Send + Sync,
    R: TryFrom<E::Model> + Send,
    AppError: From<R::Error>,
{
    fn page<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        req: PageRequest,
        far_side: bool,
    ) -> BoxFuture<'a, AppResult<Page<R>>> {
        Box::pin(fetch(
            db,
            self.select.clone(),
            self.key,
            self.sort.as_ref(),
            req,
            self.descending,
            far_side,
        ))
    }

    fn count<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, AppResult<u64>> {
        Box::pin(async move { Ok(self.select.clone().count(db).await?) })
    }
}
