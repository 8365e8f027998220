"""Migrations of the {APP} app: they unapply and apply again, and no model
change lacks a migration.

Written by `chamber migrate make`. Django's test runner has already applied
every migration to its throwaway test database when these run.
"""
from django.core.management import call_command
from django.test import TransactionTestCase


class MigrationsTest(TransactionTestCase):
    def test_migrations_unapply_and_apply_again(self):
        call_command("migrate", "{APP}", "zero", verbosity=0)
        call_command("migrate", verbosity=0)

    def test_no_model_change_without_a_migration(self):
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
