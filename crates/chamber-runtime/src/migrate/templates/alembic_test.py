"""Upgrades an empty database to the newest revision, then back to base.

Written by `chamber migrate make`. The database is a temporary SQLite file,
or MIGRATIONS_TEST_DATABASE_URL (a scratch database: it is downgraded to
base). The URL is passed as the config's sqlalchemy.url, which Alembic's
own env.py templates read; an env.py that takes its URL from elsewhere
could reach a real database, so then the test is skipped.
"""
import os
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INI = {INI}
SCRIPTS = ROOT / "{DIR}"


class MigrationsTest(unittest.TestCase):
    def test_upgrade_to_head_and_downgrade_to_base(self):
        from alembic import command
        from alembic.config import Config

        env_py = (SCRIPTS / "env.py").read_text()
        if "sqlalchemy.url" not in env_py and "engine_from_config" not in env_py:
            self.skipTest("env.py does not take its URL from the Alembic config")
        with tempfile.TemporaryDirectory() as tmp:
            url = os.environ.get("MIGRATIONS_TEST_DATABASE_URL") or f"sqlite:///{tmp}/migrations.db"
            config = Config(str(ROOT / INI)) if INI else Config()
            config.set_main_option("script_location", str(SCRIPTS))
            config.set_main_option("sqlalchemy.url", url)
            command.upgrade(config, "head")
            command.downgrade(config, "base")


if __name__ == "__main__":
    unittest.main()
