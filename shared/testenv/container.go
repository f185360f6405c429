//go:build testcontainers

package testenv

import (
	"context"
	"errors"
	"fmt"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
)

// containerImage is the PostgreSQL image started when Docker is available.
const containerImage = "postgres:15-alpine"

// startContainer starts PostgreSQL in a container if a Docker engine
// answers.
func startContainer(ctx context.Context) (string, func(context.Context), error) {
	if err := dockerHealthy(ctx); err != nil {
		return "", nil, fmt.Errorf("docker: %w", err)
	}

	c, err := postgres.Run(ctx, containerImage,
		postgres.WithDatabase("postgres"),
		postgres.WithUsername("postgres"),
		postgres.WithPassword("postgres"),
		postgres.BasicWaitStrategies(),
	)
	if err != nil {
		return "", nil, fmt.Errorf("run %s container: %w", containerImage, err)
	}

	u, err := c.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		_ = testcontainers.TerminateContainer(c)
		return "", nil, fmt.Errorf("get container connection string: %w", err)
	}

	stop := func(context.Context) { _ = testcontainers.TerminateContainer(c) }
	return u, stop, nil
}

// dockerHealthy reports whether a Docker engine answers. The provider can
// panic while probing for a socket, which counts as no engine.
func dockerHealthy(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("probe docker: %v", r)
		}
	}()

	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return err
	}
	defer p.Close()

	if err := p.Health(ctx); err != nil {
		return errors.Join(errors.New("engine not healthy"), err)
	}

	return nil
}
