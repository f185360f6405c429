# syntax=docker/dockerfile:1
#
# One image per service, built from the repository root so that go.work
# resolves the shared module:
#
#   docker build --build-arg SERVICE=gateway -t scfm-gateway:0.1.0 .
#
# SERVICE is one of gateway, callouts, telephony, batches. The result is a
# static binary on a distroless base, run as an unprivileged user; the
# binary's subcommands (serve, migrate, ...) are its arguments.

ARG GO_VERSION=1.26
ARG BASE_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG SERVICE
ARG TARGETOS
ARG TARGETARCH
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
WORKDIR /src
# The sources are mounted rather than copied, and the module and build
# caches persist between builds, so a rebuild compiles only what changed.
RUN --mount=type=bind,target=/src \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build <<'SH'
set -eu
if [ -z "${SERVICE}" ] || [ ! -d "services/${SERVICE}/cmd/${SERVICE}" ]; then
	echo "build with --build-arg SERVICE=<gateway|callouts|telephony|batches>" >&2
	exit 1
fi
GOOS="${TARGETOS}" GOARCH="${TARGETARCH}" go build -trimpath -ldflags='-s -w' \
	-o /out/scfm-service "./services/${SERVICE}/cmd/${SERVICE}"
SH

FROM ${BASE_IMAGE}
ARG SERVICE
ARG VERSION=dev
LABEL org.opencontainers.image.title="scfm-${SERVICE}" \
      org.opencontainers.image.description="SCFM ${SERVICE} service" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/scfm-service /usr/local/bin/scfm-service
# 65532 is the distroless "nonroot" user; numeric so that Kubernetes can
# check runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/scfm-service"]
CMD ["serve"]
