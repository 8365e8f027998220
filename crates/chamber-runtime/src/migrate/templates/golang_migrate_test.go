// Applies every migration in this directory to an empty database, then
// reverts them all. Written by `chamber migrate make`; needs
// github.com/golang-migrate/migrate/v4 (go get it) and its {DRIVER} driver.
//
// The database is MIGRATIONS_TEST_DATABASE_URL (a scratch database: it is
// migrated down to empty), else a temporary SQLite file where the driver
// is SQLite's.
package migrations_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/{DRIVER}"
	_ "github.com/golang-migrate/migrate/v4/source/file"
)

func TestMigrationsApplyAndRevert(t *testing.T) {
	url := os.Getenv("MIGRATIONS_TEST_DATABASE_URL")
	if url == "" {
		{DEFAULT_URL}
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.New("file://"+dir, url)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		t.Fatalf("up: %v", err)
	}
	if err := m.Down(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		t.Fatalf("down: %v", err)
	}
}
