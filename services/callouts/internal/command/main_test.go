package command_test

import (
	"testing"

	"scfm/shared/testenv"
)

// TestMain lets the package's tests share the database server testenv
// provides and stop it at the end.
func TestMain(m *testing.M) { testenv.Main(m) }
