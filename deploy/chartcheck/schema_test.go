package chartcheck

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSchemaRejectsWrongTypes(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		values  string
		wantErr string
	}{
		{name: "string for an integer", values: `gateway: {replicas: two}`, wantErr: "/gateway/replicas"},
		{name: "string for a boolean", values: `simulator: {enabled: "yes"}`, wantErr: "/simulator/enabled"},
		{name: "number for a duration", values: `config: {shutdownTimeout: 25}`, wantErr: "/config/shutdownTimeout"},
		{name: "malformed duration", values: `config: {shutdownTimeout: 25 seconds}`, wantErr: "/config/shutdownTimeout"},
		{name: "object for a list", values: `image: {pullSecrets: {name: x}}`, wantErr: "/image/pullSecrets"},
		{name: "value outside its set", values: `config: {logLevel: loud}`, wantErr: "/config/logLevel"},
		{name: "too many stream replicas", values: `nats: {streamReplicas: 7}`, wantErr: "/nats/streamReplicas"},
		{name: "missing memory limit", values: `gateway: {resources: {limits: {memory: null}}}`, wantErr: "/gateway/resources/limits"},
		{name: "root allowed", values: `containerSecurityContext: {runAsNonRoot: false}`, wantErr: "/containerSecurityContext/runAsNonRoot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := render(valuesYAML(t, tt.values))
			require.ErrorContains(t, err, "values don't meet the specifications of the schema")
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestSchemaRejectsUnknownKeys(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		values  string
		wantErr string
	}{
		{name: "top level", values: `replicas: 3`, wantErr: "replicas"},
		{name: "misspelt top-level section", values: `gatway: {replicas: 3}`, wantErr: "gatway"},
		{name: "inside a service", values: `gateway: {replicass: 3}`, wantErr: "replicass"},
		{name: "inside the ingress", values: `gateway: {ingress: {host: x}}`, wantErr: "host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := render(valuesYAML(t, tt.values))
			require.ErrorContains(t, err, "values don't meet the specifications of the schema")
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestSchemaAcceptsTheShippedValues(t *testing.T) {
	t.Parallel()

	for _, file := range []string{"values.yaml", "values-production.yaml"} {
		_, err := render(loadValuesFile(t, file))
		require.NoError(t, err, file)
	}
}

// TestDecodingIsStrict makes sure the decoder behind the other tests would
// notice the mistakes `helm lint` lets through.
func TestDecodingIsStrict(t *testing.T) {
	t.Parallel()

	const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  %s
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - name: x
          image: x
          ports: [{name: http, containerPort: %s}]
`
	tests := []struct {
		name    string
		doc     string
		wantErr string
	}{
		{name: "unknown field", doc: fmt.Sprintf(deployment, "replicass: 2", "8080"), wantErr: `unknown field "replicass"`},
		{name: "wrong type", doc: fmt.Sprintf(deployment, "replicas: 2", `"http-8080"`), wantErr: "cannot unmarshal string"},
		{name: "duplicate key", doc: fmt.Sprintf(deployment, "replicas: 2\n  replicas: 3", "8080"), wantErr: "already set"},
		{name: "unknown kind", doc: "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", wantErr: "no Kubernetes type"},
		{name: "bad name", doc: "apiVersion: v1\nkind: Service\nmetadata: {name: 9lives}\n", wantErr: "DNS-1035"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := decodeOne("test.yaml", tt.doc)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}

	_, err := decodeOne("test.yaml", fmt.Sprintf(deployment, "replicas: 2", "8080"))
	require.NoError(t, err, "the well-formed Deployment decodes")
}
