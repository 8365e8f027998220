"""Applies every migration in {DIR}/ to an empty in-memory SQLite database.

Written by `chamber migrate make`. The migrations are plain numbered SQL
files (NNNN_name.sql), applied in the order of their numbers, each as one
script. SQLite accepts most portable DDL; SQL that only your database
understands needs this test pointed at that database instead.
"""
import re
import sqlite3
import unittest
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parents[1] / "{DIR}"
NUMBERED = re.compile(r"^(\d+)_.+\.sql$")


def migration_files():
    found = []
    for path in MIGRATIONS.iterdir():
        match = NUMBERED.match(path.name)
        if match and not path.name.endswith((".up.sql", ".down.sql")):
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


class MigrationsTest(unittest.TestCase):
    def test_every_migration_applies_in_order(self):
        files = migration_files()
        self.assertTrue(files, f"no migrations in {MIGRATIONS}")
        db = sqlite3.connect(":memory:")
        try:
            for path in files:
                try:
                    db.executescript(path.read_text())
                except sqlite3.Error as error:
                    self.fail(f"{path.name}: {error}")
        finally:
            db.close()


if __name__ == "__main__":
    unittest.main()
