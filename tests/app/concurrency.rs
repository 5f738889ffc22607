//! Two `tokenfare` processes writing one database at once. Each test starts real processes
//! of the built binary; `TOKENFARE_FAULT_PAUSE_BEFORE_WRITE_MS` holds the first one between
//! reading the stored state and writing, so the second always runs inside that window.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::common::{self, FIXTURE, fixture_with};
use serde_json::{Value, json};
use sqlx::Row;
use tokenfare::store::Store;

const PAUSE: &str = "TOKENFARE_FAULT_PAUSE_BEFORE_WRITE_MS";

fn tokenfare(db: &Path, args: &[&str], pause_ms: Option<u64>) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokenfare"));
    command
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove(PAUSE)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(ms) = pause_ms {
        command.env(PAUSE, ms.to_string());
    }
    command.spawn().expect("start tokenfare")
}

fn finish(child: Child) -> Output {
    child.wait_with_output().expect("tokenfare ran")
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

async fn scalar(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Models whose stored pricing differs from their newest history row.
async fn disagreeing_models(store: &Store) -> Vec<String> {
    let rows = sqlx::query(
        "SELECT m.id, m.data, \
           (SELECT h.pricing FROM price_history h WHERE h.model_id = m.id ORDER BY h.id DESC LIMIT 1) AS pricing \
         FROM models m",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.iter()
        .filter(|row| {
            let data: Value = serde_json::from_str(&row.get::<String, _>("data")).unwrap();
            let history: Value = serde_json::from_str(&row.get::<String, _>("pricing")).unwrap();
            data["pricing"] != history
        })
        .map(|row| row.get("id"))
        .collect()
}

#[tokio::test]
async fn an_older_catalogue_never_beats_a_newer_one_written_at_the_same_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("race.db");
    let day1 = write(dir.path(), "day1.json", FIXTURE);
    // acme/alpha's output price from $4 to $5 per million: a plain price change.
    let day3 = fixture_with(|models| {
        assert_eq!(models[0]["id"], "acme/alpha");
        models[0]["pricing"]["completion"] = json!("0.000005");
    });
    let day3 = write(dir.path(), "day3.json", &day3);
    let seed = finish(tokenfare(
        &db,
        &[
            "ingest",
            "--file",
            day1.to_str().unwrap(),
            "--as-of",
            "2026-08-01",
        ],
        None,
    ));
    assert!(seed.status.success(), "{seed:?}");

    // The older day (the unchanged fixture as of 08-02) reads the state, then waits; the
    // newer day (08-03, with acme/alpha's new price) runs inside that wait.
    let older = tokenfare(
        &db,
        &[
            "ingest",
            "--file",
            day1.to_str().unwrap(),
            "--as-of",
            "2026-08-02",
        ],
        Some(1500),
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let newer = finish(tokenfare(
        &db,
        &[
            "ingest",
            "--file",
            day3.to_str().unwrap(),
            "--as-of",
            "2026-08-03",
        ],
        None,
    ));
    let older = finish(older);
    assert!(newer.status.success(), "{newer:?}");

    let store = Store::open(&db).await.unwrap();
    // Whatever the order, what is served is the newest day's data...
    let alpha: String = sqlx::query_scalar("SELECT data FROM models WHERE id = 'acme/alpha'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let alpha: Value = serde_json::from_str(&alpha).unwrap();
    assert_eq!(alpha["pricing"]["base"]["completion"], "0.000005");
    // ...the newest successful run is the newest day...
    let last = store.last_run(true).await.unwrap().unwrap();
    assert_eq!(last.as_of.format("%Y-%m-%d").to_string(), "2026-08-03");
    // ...and models agree with their own history.
    assert_eq!(disagreeing_models(&store).await, Vec::<String>::new());
    // The older run either went first (and was then replaced) or was refused as older.
    if !older.status.success() {
        let stderr = String::from_utf8_lossy(&older.stderr);
        assert!(stderr.contains("older than the stored data"), "{stderr}");
    }
    store.close().await;
}

#[tokio::test]
async fn the_same_file_ingested_twice_at_once_adds_each_model_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("twice.db");
    let file = write(dir.path(), "models-2026-08-08.json", FIXTURE);
    let file = file.to_str().unwrap();
    let first = tokenfare(&db, &["ingest", "--file", file], Some(1500));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = finish(tokenfare(&db, &["ingest", "--file", file], Some(1500)));
    let first = finish(first);
    assert!(first.status.success(), "{first:?}");
    assert!(second.status.success(), "{second:?}");

    let store = Store::open(&db).await.unwrap();
    // 12 listings in the fixture: 12 "added" events and 12 history rows, not 24.
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM model_events WHERE kind = 'added'"
        )
        .await,
        12
    );
    assert_eq!(
        scalar(&store, "SELECT COUNT(*) FROM price_history").await,
        12
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM ingest_runs WHERE outcome = 'success'"
        )
        .await,
        2
    );
    let second_run = store.last_run(true).await.unwrap().unwrap();
    assert_eq!(
        (
            second_run.added,
            second_run.removed,
            second_run.price_changes
        ),
        (0, 0, 0)
    );
    store.close().await;
}

#[tokio::test]
async fn processes_migrating_a_new_database_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "models-2026-08-08.json", FIXTURE);
    let file = file.to_str().unwrap();
    // Five rounds of four processes opening the same brand-new database together.
    for round in 0..5 {
        let db = dir.path().join(format!("fresh-{round}.db"));
        let children: Vec<Child> = (0..4)
            .map(|_| tokenfare(&db, &["ingest", "--file", file], None))
            .collect();
        for child in children {
            let output = finish(child);
            assert!(
                output.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

#[tokio::test]
async fn a_running_server_serves_another_process_commit_within_seconds() {
    let app = common::TestApp::fixture().await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(tokenfare::ingest::scheduler::watch_store(
        app.state.clone(),
        tokenfare::ingest::scheduler::WATCH_EVERY,
        stopped,
    ));
    let changed = fixture_with(|models| models[0]["pricing"]["completion"] = json!("0.000005"));
    let file = write(app.dir.path(), "changed.json", &changed);
    let db = app.dir.path().join("test.db");
    let output = finish(tokenfare(
        &db,
        &[
            "ingest",
            "--file",
            file.to_str().unwrap(),
            "--as-of",
            "2026-08-09",
        ],
        None,
    ));
    assert!(output.status.success(), "{output:?}");
    let committed = std::time::Instant::now();
    let completion = |app: &common::TestApp| {
        app.state
            .catalogue()
            .get("acme/alpha")
            .and_then(|e| e.model.pricing.base.completion)
            .map(|p| p.to_string())
    };
    while completion(&app).as_deref() != Some("0.000005") && committed.elapsed().as_secs() < 10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(completion(&app).as_deref(), Some("0.000005"));
    let _ = stop.send(true);
    watcher.await.unwrap();
}

#[tokio::test]
async fn an_ingest_that_cannot_get_the_write_lock_says_another_ingest_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("locked.db");
    let store = Store::open_with_lock_timeout(&db, Duration::from_millis(300))
        .await
        .unwrap();
    // Another writer (here a plain connection of our own) holds SQLite's write lock.
    let other = Store::open(&db).await.unwrap();
    let mut holder = other.pool().acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let as_of = tokenfare::store::parse_as_of("2026-08-08").unwrap();
    let err = tokenfare::ingest::catalogue::ingest_body(
        &store,
        FIXTURE.as_bytes(),
        tokenfare::store::Delivery::File,
        "test",
        as_of,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("another process is writing to this database"),
        "{err}"
    );
    sqlx::query("ROLLBACK").execute(&mut *holder).await.unwrap();
    drop(holder);
    // Once the lock is free the same ingest goes through.
    tokenfare::ingest::catalogue::ingest_body(
        &store,
        FIXTURE.as_bytes(),
        tokenfare::store::Delivery::File,
        "test",
        as_of,
    )
    .await
    .unwrap();
}
