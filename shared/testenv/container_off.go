//go:build !testcontainers

package testenv

import (
	"context"
	"errors"
)

// startContainer is a stub: containers are used only in builds with the
// testcontainers tag, which keeps the Docker client out of default builds.
func startContainer(context.Context) (string, func(context.Context), error) {
	return "", nil, errors.New("containers not tried (build without the testcontainers tag)")
}
