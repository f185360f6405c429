package chartcheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	release "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// chartDir is the chart under test, relative to this package.
const chartDir = "../helm/scfm"

// releaseName and namespace are those of every test render.
const (
	releaseName = "scfm"
	namespace   = "calls"
)

// object is one rendered manifest, decoded.
type object struct {
	// Kind and Name identify the object.
	Kind, Name string
	// Source is the template it came from.
	Source string
	// Hook is the Helm hook the object belongs to, nil for an ordinary
	// release object.
	Hook *release.Hook
	// Obj is a pointer to the typed Kubernetes object, or an
	// *unstructured.Unstructured for custom resources.
	Obj any
}

// rendering is the outcome of rendering the chart with one set of values.
type rendering struct {
	// Values are the coalesced values the chart saw.
	Values map[string]any
	// Objects are every hook and release object, hooks first.
	Objects []object
}

// find returns the object of kind and name.
func (r rendering) find(kind, name string) (object, bool) {
	for _, o := range r.Objects {
		if o.Kind == kind && o.Name == name {
			return o, true
		}
	}
	return object{}, false
}

// all returns the objects of kind.
func (r rendering) all(kind string) []object {
	var out []object
	for _, o := range r.Objects {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// loadValuesFile reads a values file of the chart (e.g. values-production.yaml).
func loadValuesFile(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(chartDir, name))
	require.NoError(t, err)
	vals, err := loader.LoadValues(bytes.NewReader(data))
	require.NoError(t, err)
	return vals
}

// valuesYAML turns a YAML snippet into user-supplied values.
func valuesYAML(t *testing.T, doc string) map[string]any {
	t.Helper()
	var vals map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(doc), &vals))
	return vals
}

// render renders the chart as `helm install` would, with userValues over
// the chart's values.yaml, and decodes every manifest strictly.
func render(userValues map[string]any) (rendering, error) {
	ch, err := loader.Load(chartDir)
	if err != nil {
		return rendering{}, fmt.Errorf("load chart: %w", err)
	}
	opts := common.ReleaseOptions{Name: releaseName, Namespace: namespace, Revision: 1, IsInstall: true}
	vals, err := util.ToRenderValues(ch, userValues, opts, nil)
	if err != nil {
		return rendering{}, err
	}
	// Strict rendering refuses templates that read values that do not exist.
	files, err := engine.Engine{Strict: true}.Render(ch, vals)
	if err != nil {
		return rendering{}, fmt.Errorf("render: %w", err)
	}
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return rendering{}, fmt.Errorf("sort manifests: %w", err)
	}

	out := rendering{Values: vals["Values"].(common.Values).AsMap()}
	for _, h := range hooks {
		obj, err := decodeOne(h.Path, h.Manifest)
		if err != nil {
			return rendering{}, err
		}
		obj.Hook = h
		out.Objects = append(out.Objects, obj)
	}
	for _, m := range manifests {
		obj, err := decodeOne(m.Name, m.Content)
		if err != nil {
			return rendering{}, err
		}
		out.Objects = append(out.Objects, obj)
	}
	return out, nil
}

// newObject returns an empty object of the Kubernetes type for apiVersion
// and kind; custom resources, which k8s.io/api lacks, are unstructured.
func newObject(apiVersion, kind string) (any, error) {
	switch apiVersion + " " + kind {
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "v1 Secret":
		return &corev1.Secret{}, nil
	case "v1 Service":
		return &corev1.Service{}, nil
	case "v1 ServiceAccount":
		return &corev1.ServiceAccount{}, nil
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, nil
	case "batch/v1 Job":
		return &batchv1.Job{}, nil
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "networking.k8s.io/v1 Ingress":
		return &networkingv1.Ingress{}, nil
	case "monitoring.coreos.com/v1 ServiceMonitor":
		return &unstructured.Unstructured{}, nil
	}
	return nil, fmt.Errorf("no Kubernetes type for apiVersion %q kind %q", apiVersion, kind)
}

// decodeOne decodes one manifest into its Kubernetes type, refusing
// unknown fields, wrong types and duplicate keys.
func decodeOne(source, doc string) (object, error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
		return object{}, fmt.Errorf("%s: %w", source, err)
	}
	obj, err := newObject(head.APIVersion, head.Kind)
	if err != nil {
		return object{}, fmt.Errorf("%s: %w", source, err)
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		// Unstructured takes any field; still refuse duplicate keys.
		var m map[string]any
		if err := yaml.UnmarshalStrict([]byte(doc), &m); err != nil {
			return object{}, fmt.Errorf("%s: %s %s: %w", source, head.Kind, head.Metadata.Name, err)
		}
		u.Object = m
	} else if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
		return object{}, fmt.Errorf("%s: %s %s: %w", source, head.Kind, head.Metadata.Name, err)
	}
	if errs := nameErrors(head.Kind, head.Metadata.Name); len(errs) > 0 {
		return object{}, fmt.Errorf("%s: %s name %q: %s", source, head.Kind, head.Metadata.Name,
			strings.Join(errs, "; "))
	}
	return object{Kind: head.Kind, Name: head.Metadata.Name, Source: source, Obj: obj}, nil
}

// nameErrors checks a name against the rules the API server applies:
// Services need a DNS-1035 label, most other kinds a DNS-1123 subdomain.
func nameErrors(kind, name string) []string {
	if kind == "Service" {
		return validation.IsDNS1035Label(name)
	}
	if name == "" {
		return []string{"empty"}
	}
	return validation.IsDNS1123Subdomain(name)
}

// hasEvents reports whether h fires on each of events.
func hasEvents(h *release.Hook, events ...release.HookEvent) bool {
	if h == nil {
		return false
	}
	for _, e := range events {
		if !slices.Contains(h.Events, e) {
			return false
		}
	}
	return true
}
