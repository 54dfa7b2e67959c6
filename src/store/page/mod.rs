//! Keyset pagination over an `id` column, or a sort value and the `id`: a
//! page costs the same wherever it is.
//! A [`Listing`] is one list as the store builds it (its rows already scoped
//! to a tenant or an operator); the GraphQL layer pages and counts it and
//! cannot change which rows it holds.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Select, Statement};

use crate::error::{AppError, AppResult};

mod keyset;
use keyset::Keyset;
pub use keyset::{SortBy, past};

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

impl PageRequest {
    /// The page's size, its cursor, and whether it reads forward (in list
    /// order) from the cursor.
    pub fn parts(self) -> (u64, Option<i64>, bool) {
        match self {
            Self::Forward { first, after } => (first, after, true),
            Self::Backward { last, before } => (last, before, false),
        }
    }
}

/// Implements [`Keyed`] for records whose key is their `id` field.
#[macro_export]
macro_rules! keyed_by_id {
    ($($record:ty),+ $(,)?) => {
        $(impl $crate::store::page::Keyed for $record {
            fn key(&self) -> i64 {
                $crate::domain::id::RowKey::key(self.id)
            }
        })+
    };
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
    /// A page with no rows and none on either side.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            has_next: false,
            has_previous: false,
        }
    }

    /// The page of a request for `size` rows, from `read`: up to `size + 1`
    /// rows in reading order (forward or backward from the cursor). The
    /// extra row says more lie ahead; `behind` whether any lie on the other
    /// side of the cursor. The rows come out in list order.
    pub fn window(mut read: Vec<T>, size: u64, forward: bool, behind: bool) -> Self {
        let more = read.len() as u64 > size;
        read.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        if !forward {
            read.reverse();
        }
        let (has_next, has_previous) = if forward {
            (more, behind)
        } else {
            (behind, more)
        };
        Self {
            items: read,
            has_next,
            has_previous,
        }
    }

    /// The same page with each row turned into a record.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
        }
    }

    /// Reads the page's rows as records (see [`super::record::from_rows`]).
    pub fn records<U>(self) -> Result<Page<U>, crate::error::AppError>
    where
        U: TryFrom<T>,
        crate::error::AppError: From<U::Error>,
    {
        Ok(Page {
            items: super::record::from_rows(self.items)?,
            has_next: self.has_next,
            has_previous: self.has_previous,
        })
    }
}

/// Rows and records carry an integer key that orders them, which a cursor
/// encodes.
pub trait Keyed {
    /// The key.
    fn key(&self) -> i64;
}

/// The statement of a page's query with its row limit written into the SQL
/// text rather than bound as a parameter.
///
/// A PostgreSQL connection keeps one generic plan per prepared statement
/// ([`crate::db::connect`]). With the limit a parameter that plan cannot know
/// that a page is small: it costs the page as a share of all the company's
/// rows and picks plans built for many rows (an invoice page sorted all the
/// company's sales for a merge join). With the limit in the text it walks the
/// index as a plan for these values would. Page sizes are bounded by the
/// server's maximum, so a query shape has at most that many texts. `q` must
/// not have a limit of its own.
pub fn limited<C: ConnectionTrait>(db: &C, q: &SelectStatement, limit: u64) -> Statement {
    let mut stmt = db.get_database_backend().build(q);
    stmt.sql.push_str(" LIMIT ");
    stmt.sql.push_str(&limit.to_string());
    stmt
}

/// One list a client pages through: which rows (scoped to a tenant or an
/// operator when it was built), in which order, read as records `R`. Its
/// pages and its count read the same rows, so a `totalCount` counts what the
/// pages show.
pub struct Listing<R>(Arc<dyn PageSource<R>>);

impl<R> Clone for Listing<R> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

/// What a [`Listing`] reads: a page of its records, and how many there are.
pub trait PageSource<R>: Send + Sync {
    /// One page; whether rows lie on the far side of its cursor is found
    /// out (one more statement) only when `far_side`, and is `false`
    /// otherwise.
    fn page<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        req: PageRequest,
        far_side: bool,
    ) -> BoxFuture<'a, AppResult<Page<R>>>;
    /// How many rows the list has over all its pages.
    fn count<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, AppResult<u64>>;
}

impl<R: 'static> Listing<R> {
    /// The rows of `select`, keyed and ordered by `key` (descending when
    /// `newest_first`), each page read by [`fetch`](keyset::fetch).
    pub fn keyset<E>(select: Select<E>, key: E::Column, newest_first: bool) -> Self
    where
        E: EntityTrait,
        E::Model: Keyed + Send + Sync,
        R: TryFrom<E::Model> + Send,
        AppError: From<R::Error>,
    {
        Self::of(Keyset::new(select, key, None, newest_first))
    }

    /// The rows of `select` ordered by `sort`'s value and then by `key`
    /// (both descending when `descending`), keyed by `key`, each page read
    /// by [`fetch`](keyset::fetch). An index on the owner's column, the value and the key
    /// keeps every page as cheap as the first.
    pub fn sorted<E>(select: Select<E>, key: E::Column, sort: SortBy<E>, descending: bool) -> Self
    where
        E: EntityTrait,
        E::Model: Keyed + Send + Sync,
        R: TryFrom<E::Model> + Send,
        AppError: From<R::Error>,
    {
        Self::of(Keyset::new(select, key, Some(sort), descending))
    }

    /// A list that reads its pages its own way.
    pub fn of(source: impl PageSource<R> + 'static) -> Self {
        Self(Arc::new(source))
    }

    /// One page of the list; `far_side` as for [`PageSource::page`].
    pub async fn page(
        &self,
        db: &DatabaseConnection,
        req: PageRequest,
        far_side: bool,
    ) -> AppResult<Page<R>> {
        self.0.page(db, req, far_side).await
    }

    /// How many rows the list has.
    pub async fn count(&self, db: &DatabaseConnection) -> AppResult<u64> {
        self.0.count(db).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_trims_the_extra_row_and_reads_in_list_order() {
        let page = |read: Vec<i32>, forward, behind| {
            let p = Page::window(read, 2, forward, behind);
            (p.items, p.has_next, p.has_previous)
        };
        // Forward: the third row read only says that more follow.
        assert_eq!(page(vec![1, 2, 3], true, false), (vec![1, 2], true, false));
        assert_eq!(page(vec![1, 2], true, true), (vec![1, 2], false, true));
        // Backward: read from the cursor back, shown in list order; the
        // extra row says more precede.
        assert_eq!(page(vec![5, 4, 3], false, true), (vec![4, 5], true, true));
        assert_eq!(page(vec![5], false, false), (vec![5], false, false));
        assert_eq!(page(vec![], true, false), (vec![], false, false));
    }

    #[test]
    fn a_request_tells_its_size_cursor_and_direction() {
        let forward = PageRequest::Forward {
            first: 10,
            after: Some(7),
        };
        let backward = PageRequest::Backward {
            last: 3,
            before: None,
        };
        assert_eq!(forward.parts(), (10, Some(7), true));
        assert_eq!(backward.parts(), (3, None, false));
    }
}
