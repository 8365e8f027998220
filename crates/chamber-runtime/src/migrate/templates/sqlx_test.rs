//! Applies every migration in `{DIR}/` to a fresh test database, then
//! reverts the reversible ones. Written by `chamber migrate make`.
//!
//! `#[sqlx::test]` creates a throwaway database on the server `DATABASE_URL`
//! names and drops it afterwards; it needs sqlx's `migrate` and `macros`
//! features (on by default) and a runtime feature.

#[sqlx::test(migrations = false)]
async fn every_migration_applies_and_reverts(pool: {POOL}) {
    let migrator = sqlx::migrate!("./{DIR}");
    migrator.run(&pool).await.expect("the up migrations apply");
    let ups = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .count();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .expect("the migrations table is readable");
    assert_eq!(usize::try_from(applied).unwrap_or(0), ups);
    if migrator
        .iter()
        .any(|m| m.migration_type.is_down_migration())
    {
        migrator.undo(&pool, 0).await.expect("the down migrations revert");
    }
}
