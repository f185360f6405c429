package contracttest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// eventName is the shape of an event type name: "<aggregate>.<verb>".
var eventName = regexp.MustCompile(`^[a-z_]+\.[a-z_]+$`)

// Covered checks that every event type name declared as a string constant
// in the package in dir (its non-test files) has an example, so a new
// event cannot skip the golden files and the documentation.
func Covered(t *testing.T, dir string, examples map[string]any) {
	t.Helper()

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		require.NoError(t, err)
		for _, name := range constStrings(f) {
			if eventName.MatchString(name) {
				require.Contains(t, examples, name, "event type %s has no example", name)
			}
		}
	}
}

// constStrings lists the string literal values of a file's constants.
func constStrings(f *ast.File) []string {
	var out []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			for _, v := range spec.(*ast.ValueSpec).Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out = append(out, s)
				}
			}
		}
	}
	return out
}
