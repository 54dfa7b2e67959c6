//! Secrets the server generates once and keeps in the database, for settings
//! the environment does not provide (such as `SPOT_CHECK_SECRET`). Every
//! instance on the database reads the same value.

use chrono::{DateTime, Utc};
use entity::server_secret;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::error::{AppError, AppResult};

/// The secret `name`: read, or created with `len` random bytes when it does
/// not exist yet. Two instances starting at once agree on one value.
pub async fn get_or_create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    len: usize,
    now: DateTime<Utc>,
) -> AppResult<Vec<u8>> {
    if let Some(found) = read(db, name).await? {
        return Ok(found);
    }
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    let row = server_secret::ActiveModel {
        name: Set(name.to_string()),
        value: Set(bytes.iter().map(|b| format!("{b:02x}")).collect()),
        created_at: Set(now),
    };
    server_secret::Entity::insert(row)
        .on_conflict_do_nothing_on([server_secret::Column::Name])
        .exec(db)
        .await?;
    read(db, name)
        .await?
        .ok_or_else(|| AppError::Internal(format!("the server secret {name} was not stored")))
}

async fn read<C: ConnectionTrait>(db: &C, name: &str) -> AppResult<Option<Vec<u8>>> {
    match server_secret::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
    {
        Some(row) => from_hex(&row.value)
            .map(Some)
            .ok_or_else(|| AppError::Internal(format!("the server secret {name} is not hex"))),
        None => Ok(None),
    }
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
