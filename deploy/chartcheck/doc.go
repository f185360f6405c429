// Package chartcheck tests the Helm chart in deploy/helm/scfm without a
// cluster or a helm binary: it renders the chart with the Helm SDK, decodes
// every manifest strictly into the Kubernetes API types, and checks what
// the services rely on (probes, limits, security contexts, references to
// Secrets and ConfigMaps, migrations before deployments, the values
// schema). It is its own module so that no service module sees the
// Kubernetes and Helm dependencies.
package chartcheck
