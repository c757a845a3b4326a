package protocoltest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
)

// RunFiles runs every datadriven file in testdata/*.txt, each on a fresh
// Env built with opts, as a subtest named after the file.
func RunFiles(t *testing.T, opts Options) {
	paths, err := filepath.Glob("testdata/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			datadriven.RunTest(t, path, NewEnv(opts).Run)
		})
	}
}
