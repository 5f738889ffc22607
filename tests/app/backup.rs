//! `tokenfare backup PATH`: a consistent copy taken while the database serves and ingests
//! (`Store::backup_to`, which the command calls on a read-only opening of the database).
//! The same, against real processes and a writer committing in a loop, is in
//! `.ci/faults_ops.py`.

use tokenfare::feed::Feed;
use tokenfare::store::backup::BackupError;
use tokenfare::store::{Delivery, NewRun, Outcome, Store};

use crate::common::{FIXTURE, TestApp};

/// The newest catalogue run of the database at `path`.
async fn newest_catalogue_run(path: &std::path::Path) -> i64 {
    let store = Store::open_read_only(path).await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM ingest_runs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    store.close().await;
    id
}

/// A writer holds the write lock with a run inserted but not committed (an ingest halfway
/// through its transaction): the backup neither waits for it nor holds any of it, and holds
/// every run committed before it. Once the writer commits, the next backup holds that run.
#[tokio::test]
async fn a_backup_taken_while_an_ingest_writes_holds_the_last_committed_run_and_passes_the_check() {
    let app = TestApp::fixture().await;
    let committed = app
        .ingest(&FIXTURE.replace("0.000003", "0.000004"), "2026-08-09")
        .await
        .unwrap();
    let database = app.dir.path().join("test.db");
    let last_committed = newest_catalogue_run(&database).await;

    let mut writer = app.store.begin_write().await.unwrap();
    let as_of = tokenfare::store::parse_as_of("2026-08-10").unwrap();
    let uncommitted = writer
        .insert_run(
            &NewRun::new(
                Feed::OpenRouterCatalogue,
                Delivery::File,
                "test",
                as_of,
                None,
            ),
            Outcome::Success,
            None,
        )
        .await
        .unwrap();
    assert!(uncommitted > last_committed);

    let source = Store::open_read_only(&database).await.unwrap();
    let during = app.dir.path().join("during.db");
    let backup = tokio::time::timeout(std::time::Duration::from_secs(5), source.backup_to(&during))
        .await
        .expect("the backup does not wait for the writer")
        .unwrap();
    assert_eq!(newest_catalogue_run(&during).await, last_committed);
    let newest = &backup.newest_runs[0];
    assert_eq!(
        (newest.feed, newest.id),
        (Feed::OpenRouterCatalogue, last_committed)
    );
    assert_eq!(backup.bytes, std::fs::metadata(&during).unwrap().len());
    assert!(
        backup
            .to_string()
            .contains(&format!("newest catalogue run: #{last_committed}"))
    );

    writer.commit().await.unwrap();
    let after = app.dir.path().join("after.db");
    source.backup_to(&after).await.unwrap();
    assert_eq!(newest_catalogue_run(&after).await, uncommitted);
    source.close().await;

    // The copy is a database the site serves as it is: the same models at the same prices.
    let restored = Store::open(&during).await.unwrap();
    let restored = tokenfare::AppState::load(restored).await.unwrap();
    let (copy, live) = (restored.catalogue(), app.state.catalogue());
    assert_eq!(copy.active_count(), live.active_count());
    assert_eq!(copy.freshness.data_version, committed.run_id);
    let prices = |c: &tokenfare::store::Catalogue| {
        c.active()
            .map(|e| (e.model.id.clone(), format!("{:?}", e.model.pricing)))
            .collect::<Vec<_>>()
    };
    assert_eq!(prices(&copy), prices(&live));
}

#[tokio::test]
async fn a_backup_never_overwrites_an_existing_file() {
    let app = TestApp::fixture().await;
    let target = app.dir.path().join("taken.db");
    std::fs::write(&target, "an operator's file").unwrap();
    let err = app.store.backup_to(&target).await.unwrap_err();
    assert!(matches!(err, BackupError::Exists(_)), "{err}");
    assert!(err.to_string().contains("never overwrites"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "an operator's file"
    );
}

#[tokio::test]
async fn a_failed_copy_leaves_no_file_behind() {
    let app = TestApp::fixture().await;
    let target = app.dir.path().join("no-such-dir").join("copy.db");
    let err = app.store.backup_to(&target).await.unwrap_err();
    assert!(matches!(err, BackupError::Create(..)), "{err}");
    assert!(!target.exists());
}
