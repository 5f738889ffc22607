//! `tokenfare serve --read-only`: a replica opens the database read-only, refuses a schema
//! other than its binary's, never writes, and serves what the writer commits. Two real
//! processes (a writer killed mid-ingest, two replicas with the same release answering the
//! same ETag) are in `.ci/faults_ops.py`.

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tokenfare::AppState;
use tokenfare::store::schema::{SchemaMismatch, binary_version};
use tokenfare::store::{Store, StoreError};
use tower::ServiceExt;

use crate::common::{FIXTURE, TestApp};

/// A database migrated up to `version` only, as an older release would have left it.
async fn database_at_version(path: &std::path::Path, version: i64) {
    let pool = SqlitePoolOptions::new()
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
    sqlx::migrate!().run_to(version, &pool).await.unwrap();
    pool.close().await;
}

async fn applied_migrations(path: &std::path::Path) -> i64 {
    let pool = SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::new().filename(path))
        .await
        .unwrap();
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    count
}

#[tokio::test]
async fn a_replica_refuses_an_older_schema_naming_both_versions_and_leaves_it_unmigrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let binary = binary_version();
    database_at_version(&path, binary.version - 1).await;

    let store = Store::open_read_only(&path).await.unwrap();
    let err = store.check_schema().await.unwrap_err();
    store.close().await;
    let StoreError::Schema(SchemaMismatch::Older {
        database,
        binary: theirs,
    }) = &err
    else {
        panic!("expected an older schema, got {err}");
    };
    assert_eq!((database.version, theirs), (binary.version - 1, &binary));
    let message = err.to_string();
    assert!(
        message.contains(&format!("version {}", binary.version - 1))
            && message.contains(&format!("this binary's {}", binary.version))
            && message.contains("never migrates"),
        "{message}"
    );
    assert_eq!(applied_migrations(&path).await, binary.version - 1);
}

#[tokio::test]
async fn a_replica_refuses_a_newer_schema_and_an_empty_file() {
    let app = TestApp::fixture().await;
    let path = app.dir.path().join("test.db");
    let binary = binary_version();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?, 'from the future', 1, x'00', 0)",
    )
    .bind(binary.version + 1)
    .execute(app.store.pool())
    .await
    .unwrap();
    let store = Store::open_read_only(&path).await.unwrap();
    let err = store.check_schema().await.unwrap_err();
    assert!(
        matches!(err, StoreError::Schema(SchemaMismatch::Newer { .. })),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("version {} (from the future)", binary.version + 1)),
        "{err}"
    );
    store.close().await;

    let empty = app.dir.path().join("empty.db");
    std::fs::File::create(&empty).unwrap();
    let store = Store::open_read_only(&empty).await.unwrap();
    let err = store.check_schema().await.unwrap_err();
    assert!(
        matches!(err, StoreError::Schema(SchemaMismatch::Empty)),
        "{err}"
    );
    store.close().await;

    let missing = app.dir.path().join("missing.db");
    let err = Store::open_read_only(&missing).await.unwrap_err();
    assert!(matches!(err, StoreError::Missing(_)), "{err}");
    assert!(!missing.exists(), "a read-only opening creates nothing");
}

#[tokio::test]
async fn a_replica_never_writes_and_an_ingest_through_it_is_refused() {
    let app = TestApp::fixture().await;
    let path = app.dir.path().join("test.db");
    let replica = Store::open_read_only(&path).await.unwrap();
    replica.check_schema().await.unwrap();
    assert!(matches!(
        replica.begin_write().await,
        Err(StoreError::ReadOnly)
    ));
    let as_of = tokenfare::store::parse_as_of("2026-08-09").unwrap();
    let refused = tokenfare::ingest::catalogue::ingest_body(
        &replica,
        FIXTURE.as_bytes(),
        tokenfare::store::Delivery::File,
        "through a replica",
        as_of,
    )
    .await;
    assert!(refused.is_err());
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ingest_runs")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(runs, 1, "only the fixture's own run");
    replica.close().await;
}

/// The replica's store watcher (`reload_if_changed`, every two seconds in `serve`) picks up
/// a commit made through another connection, and its pages show the writer's new prices.
#[tokio::test]
async fn a_replica_serves_what_the_writer_commits() {
    let writer = TestApp::fixture().await;
    let path = writer.dir.path().join("test.db");
    let replica = AppState::load(Store::open_read_only(&path).await.unwrap())
        .await
        .unwrap();
    assert!(!replica.reload_if_changed().await.unwrap());

    // acme/alpha's input price, $1/M in the fixture, becomes $7/M.
    writer
        .ingest(
            &FIXTURE.replacen("\"prompt\": \"0.000001\"", "\"prompt\": \"0.000007\"", 1),
            "2026-08-09",
        )
        .await
        .unwrap();
    assert!(replica.reload_if_changed().await.unwrap());
    let served = replica.catalogue();
    assert_eq!(
        served.freshness.data_version,
        writer.state.catalogue().freshness.data_version
    );
    let json = tokenfare::router(replica.clone())
        .oneshot(crate::common::with_host(
            axum::http::Request::get("/api/models.json?q=alpha")
                .body(axum::body::Body::empty())
                .unwrap(),
        ))
        .await
        .unwrap();
    let body = http_body_util::BodyExt::collect(json.into_body())
        .await
        .unwrap()
        .to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let alpha = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "acme/alpha")
        .expect("acme/alpha listed");
    assert_eq!(alpha["prompt_per_token"], "0.000007");
}
