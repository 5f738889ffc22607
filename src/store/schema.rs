//! Which schema a database holds, against the one this binary's migrations build. A writer
//! migrates on open ([`super::Store::open`]); a read-only replica never does, so it must
//! refuse a database whose schema is not exactly this binary's, older or newer, rather than
//! read tables it does not know or miss ones it expects.

use std::collections::BTreeMap;

use sqlx::Row;

use super::{Store, StoreError};

/// The migrations table sqlx keeps (its default name; we never change it).
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// One applied or known migration: its number and what it is called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaVersion {
    pub version: i64,
    pub description: String,
}

impl std::fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.version, self.description)
    }
}

/// How a database's schema differs from this binary's.
#[derive(Debug, thiserror::Error)]
pub enum SchemaMismatch {
    #[error(
        "the database holds no tokenfare schema yet; a read-only replica never creates one: \
         start the writer (`tokenfare serve` or `tokenfare ingest`) on it first"
    )]
    Empty,
    #[error(
        "the database schema is at version {database}, older than this binary's {binary}; a \
         read-only replica never migrates: let the writer of this release (`tokenfare serve` or \
         `tokenfare ingest`) open it first, then start the replica"
    )]
    Older {
        database: SchemaVersion,
        binary: SchemaVersion,
    },
    #[error(
        "the database schema is at version {database}, newer than this binary's {binary}: this \
         replica is an older release than the writer; run the writer's release here"
    )]
    Newer {
        database: SchemaVersion,
        binary: SchemaVersion,
    },
    #[error(
        "the database's migration {0} differs from this binary's (another build, or a failed \
         migration); this replica will not read it"
    )]
    Differs(SchemaVersion),
}

/// The newest migration this binary carries.
pub fn binary_version() -> SchemaVersion {
    sqlx::migrate!()
        .iter()
        .map(|m| SchemaVersion {
            version: m.version,
            description: m.description.to_string(),
        })
        .max_by_key(|v| v.version)
        .unwrap_or(SchemaVersion {
            version: 0,
            description: "none".into(),
        })
}

impl Store {
    /// Checks that the database's applied migrations are exactly this binary's: the same
    /// versions, each with the same checksum, each applied successfully.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        let has_table: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)",
        )
        .bind(MIGRATIONS_TABLE)
        .fetch_one(self.pool())
        .await?;
        if !has_table {
            return Err(SchemaMismatch::Empty.into());
        }
        let rows = sqlx::query(
            "SELECT version, description, checksum, success FROM _sqlx_migrations ORDER BY version",
        )
        .fetch_all(self.pool())
        .await?;
        let mut applied = BTreeMap::new();
        for row in &rows {
            let version = SchemaVersion {
                version: row.try_get("version")?,
                description: row.try_get("description")?,
            };
            let checksum: Vec<u8> = row.try_get("checksum")?;
            let success: bool = row.try_get("success")?;
            applied.insert(version.version, (version, checksum, success));
        }
        compare(&applied)
    }
}

/// The verdict on a database's applied migrations (version -> (version, checksum, success)).
fn compare(applied: &BTreeMap<i64, (SchemaVersion, Vec<u8>, bool)>) -> Result<(), StoreError> {
    let binary = binary_version();
    let Some((newest, _, _)) = applied.values().next_back() else {
        return Err(SchemaMismatch::Empty.into());
    };
    if newest.version > binary.version {
        return Err(SchemaMismatch::Newer {
            database: newest.clone(),
            binary,
        }
        .into());
    }
    let migrator = sqlx::migrate!();
    for known in migrator.iter() {
        match applied.get(&known.version) {
            None => {
                return Err(SchemaMismatch::Older {
                    database: newest.clone(),
                    binary,
                }
                .into());
            }
            Some((version, checksum, success)) => {
                if !success || checksum.as_slice() != &*known.checksum {
                    return Err(SchemaMismatch::Differs(version.clone()).into());
                }
            }
        }
    }
    // A version this binary has never heard of, below its newest.
    if let Some((unknown, _, _)) = applied
        .values()
        .find(|(v, _, _)| migrator.iter().all(|m| m.version != v.version))
    {
        return Err(SchemaMismatch::Differs(unknown.clone()).into());
    }
    Ok(())
}
