//! Keyset pagination over an `id` column: a page costs the same wherever it is.

use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    Select,
};

/// Which page a client asked for, after validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRequest {
    /// `first` rows after the `after` key.
    Forward {
        /// Page size.
        first: u64,
        /// Exclusive start key.
        after: Option<i64>,
    },
    /// `last` rows before the `before` key.
    Backward {
        /// Page size.
        last: u64,
        /// Exclusive end key.
        before: Option<i64>,
    },
}

/// One page of rows, in list order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// More rows follow the last one.
    pub has_next: bool,
    /// More rows precede the first one.
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// The same page with each row turned into a record.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
        }
    }

    /// Reads the page's rows as records (see [`super::record::rows`]).
    pub fn records<U>(self) -> Result<Page<U>, crate::error::AppError>
    where
        U: TryFrom<T>,
        crate::error::AppError: From<U::Error>,
    {
        Ok(Page {
            items: super::record::rows(self.items)?,
            has_next: self.has_next,
            has_previous: self.has_previous,
        })
    }
}

/// Rows carry an integer key that orders them.
pub trait Keyed {
    /// The key.
    fn key(&self) -> i64;
}

/// Fetches one page of `select`, ordered by `key` (descending when `newest_first`).
pub async fn fetch<E, C>(
    db: &C,
    select: Select<E>,
    key: E::Column,
    req: PageRequest,
    newest_first: bool,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Keyed + Send + Sync,
    C: ConnectionTrait,
{
    // "after" a key means further along the list order.
    let beyond = |k: i64, forward: bool| {
        if forward != newest_first {
            key.gt(k)
        } else {
            key.lt(k)
        }
    };
    let (list_order, reverse_order) = if newest_first {
        (Order::Desc, Order::Asc)
    } else {
        (Order::Asc, Order::Desc)
    };
    match req {
        PageRequest::Forward { first, after } => {
            let mut q = select.clone().order_by(key, list_order).limit(first + 1);
            if let Some(a) = after {
                q = q.filter(beyond(a, true));
            }
            let mut items = q.all(db).await?;
            let has_next = items.len() as u64 > first;
            items.truncate(first as usize);
            let has_previous = match after {
                Some(a) => select
                    .filter(beyond(a, false).or(key.eq(a)))
                    .one(db)
                    .await?
                    .is_some(),
                None => false,
            };
            Ok(Page {
                items,
                has_next,
                has_previous,
            })
        }
        PageRequest::Backward { last, before } => {
            let mut q = select.clone().order_by(key, reverse_order).limit(last + 1);
            if let Some(b) = before {
                q = q.filter(beyond(b, false));
            }
            let mut items = q.all(db).await?;
            let has_previous = items.len() as u64 > last;
            items.truncate(last as usize);
            items.reverse();
            let has_next = match before {
                Some(b) => select
                    .filter(beyond(b, true).or(key.eq(b)))
                    .one(db)
                    .await?
                    .is_some(),
                None => false,
            };
            Ok(Page {
                items,
                has_next,
                has_previous,
            })
        }
    }
}
