//! Applies every migration in `{DIR}/` to an empty database, then reverts
//! them all. Written by `chamber migrate make`; needs `diesel_migrations`
//! as a dev-dependency.
//!
//! The database is MIGRATIONS_TEST_DATABASE_URL (a scratch database: it is
//! reverted to empty), or an in-memory one for SQLite; without either the
//! test says so and does nothing.

use diesel::Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("{DIR}");

#[test]
fn every_migration_applies_and_reverts() {
    let fallback: Option<String> = {FALLBACK};
    let Some(url) = std::env::var("MIGRATIONS_TEST_DATABASE_URL").ok().or(fallback) else {
        eprintln!("skipped: set MIGRATIONS_TEST_DATABASE_URL to a scratch database");
        return;
    };
    let mut conn = {CONN}::establish(&url).expect("the test database opens");
    conn.run_pending_migrations(MIGRATIONS)
        .expect("the up migrations apply");
    conn.revert_all_migrations(MIGRATIONS)
        .expect("the down migrations revert");
}
