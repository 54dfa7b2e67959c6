//! Reading and marking the tenant's notifications.

use crate::domain::id::{CompanyId, InvoiceId, NotificationId};
use entity::notification;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use super::Tenant;
use super::page::Listing;
use super::raw::flag;
use crate::domain::OrNewer;
use crate::domain::notification::NotificationKind;
use crate::error::AppResult;

record!(
    /// A notification to a company.
    Notification try_from notification::Model {
        /// Its id.
        id: NotificationId,
        /// The company notified.
        company_id: CompanyId,
        /// What it is about; a kind a newer version wrote reads as its name.
        kind: OrNewer<NotificationKind> as stored,
        /// The sentence shown.
        message: String,
        /// The invoice it concerns.
        invoice_id: Option<InvoiceId>,
        /// Read by the company.
        read: bool,
        /// When.
        created_at: chrono::DateTime<chrono::Utc>,
    }
);

fn scoped(tenant: Tenant, unread_only: bool) -> Select<notification::Entity> {
    let q = notification::Entity::find()
        .filter(notification::Column::CompanyId.eq(tenant.company_id()));
    if unread_only {
        q.filter(flag(notification::Column::Read, false))
    } else {
        q
    }
}

/// The tenant's notifications (only the unread ones when `unread_only`),
/// newest first.
pub fn listing(tenant: Tenant, unread_only: bool) -> Listing<Notification> {
    Listing::keyset(scoped(tenant, unread_only), notification::Column::Id, true)
}

crate::store::by_id::key!(NotificationId => Notification, table notification, company CompanyId = company_id);

/// Marks the tenant's notifications `ids` read; returns how many changed.
pub async fn mark_read<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<NotificationId>,
) -> AppResult<u64> {
    let res = notification::Entity::update_many()
        .col_expr(
            notification::Column::Read,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(notification::Column::CompanyId.eq(tenant.company_id()))
        .filter(notification::Column::Id.is_in(ids))
        .filter(flag(notification::Column::Read, false))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

crate::keyed_by_id!(notification::Model, Notification);
