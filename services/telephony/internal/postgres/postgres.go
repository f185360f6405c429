// Package postgres holds the telephony service's schema: its embedded migrations
// and the name of the schema it owns.
package postgres

import (
	"embed"
	"io/fs"
)

// Schema is the PostgreSQL schema the telephony service owns.
const Schema = "telephony"

//go:embed migrations/*.sql
var files embed.FS

// Migrations returns the service's SQL migrations. They start at version 2;
// version 1 is the shared event store.
func Migrations() fs.FS {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
