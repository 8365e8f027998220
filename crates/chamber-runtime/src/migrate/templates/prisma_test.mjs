// Applies every migration in prisma/migrations to an empty database with
// `prisma migrate deploy`. Written by `chamber migrate make`.
//
// SQLite schemas get a temporary database file; others need
// MIGRATIONS_TEST_DATABASE_URL (a scratch database). The URL is given to
// Prisma through the variable the schema's datasource reads; a schema
// whose url is not env("…") is skipped rather than touch its database.
import { test } from "node:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SQLITE = {SQLITE};
const URL_ENV = "{URL_ENV}";

test("every migration applies to an empty database", (t) => {
  if (!URL_ENV) {
    t.skip("the schema's datasource url is not env(\"…\")");
    return;
  }
  const scratch = mkdtempSync(join(tmpdir(), "migrations-"));
  try {
    const url = process.env.MIGRATIONS_TEST_DATABASE_URL ||
      (SQLITE ? `file:${join(scratch, "migrations.db")}` : "");
    if (!url) {
      t.skip("set MIGRATIONS_TEST_DATABASE_URL to a scratch database");
      return;
    }
    execFileSync("npx", ["prisma", "migrate", "deploy"], {
      env: { ...process.env, [URL_ENV]: url },
      stdio: "inherit",
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
