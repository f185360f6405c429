package chartcheck

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	release "helm.sh/helm/v4/pkg/release/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// services are the four service Deployments every rendering has.
var services = []string{"gateway", "callouts", "telephony", "batches"}

// scenario is one set of values the chart must render correctly with.
type scenario struct {
	name   string
	values func(t *testing.T) map[string]any
}

// scenarios are the value sets every structural check runs on: the
// defaults, the production example, and the chart holding the connection
// URLs itself with every optional part switched on.
func scenarios() []scenario {
	return []scenario{
		{name: "default", values: func(*testing.T) map[string]any { return nil }},
		{name: "production", values: func(t *testing.T) map[string]any {
			return loadValuesFile(t, "values-production.yaml")
		}},
		{name: "inline-urls-everything-on", values: func(t *testing.T) map[string]any {
			return valuesYAML(t, inlineEverythingOn)
		}},
	}
}

const inlineEverythingOn = `
database:
  existingSecret: {name: ""}
  url: postgres://scfm:secret@db.example.org:5432/scfm?sslmode=require
nats:
  url: nats://scfm:secret@nats.example.org:4222
  prefix: staging
serviceAccount:
  create: false
  name: scfm-runner
simulator:
  enabled: true
gateway:
  preStopSleepSeconds: 3
  autoscaling: {enabled: false}
  ingress:
    enabled: true
    className: nginx
    tls: [{secretName: scfm-tls, hosts: [scfm.example.com]}]
  extraEnv:
    - name: GATEWAY_WORKERS
      value: "8"
telephony:
  autoscaling: {enabled: false}
config:
  registeredCallFlowLogic: [CallFlowLogic::Survey, CallFlowLogic::Echo]
  extra: {CALLOUTS_WORKERS: "32"}
serviceMonitor:
  enabled: true
  labels: {release: prometheus}
`

// forEachScenario renders the chart for every scenario and runs check on
// the result in a parallel subtest.
func forEachScenario(t *testing.T, check func(t *testing.T, r rendering)) {
	t.Helper()
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()

			r, err := render(sc.values(t))
			require.NoError(t, err)
			check(t, r)
		})
	}
}

// workload is a pod template and the object that owns it.
type workload struct {
	owner object
	pod   *corev1.PodSpec
}

// workloads returns the pod templates of every Deployment and Job.
func workloads(r rendering) []workload {
	var out []workload
	for _, o := range r.Objects {
		switch obj := o.Obj.(type) {
		case *appsv1.Deployment:
			out = append(out, workload{o, &obj.Spec.Template.Spec})
		case *batchv1.Job:
			out = append(out, workload{o, &obj.Spec.Template.Spec})
		}
	}
	return out
}

func TestContainersHaveProbesLimitsAndNonRootSecurity(t *testing.T) {
	t.Parallel()

	forEachScenario(t, func(t *testing.T, r rendering) {
		ws := workloads(r)
		require.NotEmpty(t, ws)
		for _, w := range ws {
			where := w.owner.Kind + " " + w.owner.Name
			require.NotNil(t, w.pod.AutomountServiceAccountToken, where)
			require.False(t, *w.pod.AutomountServiceAccountToken, "%s mounts an API token it never uses", where)
			require.NotEmpty(t, w.pod.Containers, where)
			for _, c := range append(slices.Clone(w.pod.InitContainers), w.pod.Containers...) {
				where := where + " container " + c.Name
				checkResources(t, where, c)
				checkSecurity(t, where, w.pod, c)
				checkEnv(t, where, c)
				if w.owner.Kind == "Deployment" {
					checkProbes(t, where, c)
				}
			}
		}
	})
}

func checkResources(t *testing.T, where string, c corev1.Container) {
	t.Helper()
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		limit, ok := c.Resources.Limits[name]
		require.True(t, ok && !limit.IsZero(), "%s has no %s limit", where, name)
		request, ok := c.Resources.Requests[name]
		require.True(t, ok && !request.IsZero(), "%s has no %s request", where, name)
		require.LessOrEqual(t, request.Cmp(limit), 0, "%s requests more %s than its limit", where, name)
	}
}

func checkSecurity(t *testing.T, where string, pod *corev1.PodSpec, c corev1.Container) {
	t.Helper()
	psc := pod.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	sc := c.SecurityContext
	require.NotNil(t, sc, "%s has no security context", where)

	nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) ||
		(sc.RunAsNonRoot == nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
	require.True(t, nonRoot, "%s may run as root", where)
	for _, uid := range []*int64{sc.RunAsUser, psc.RunAsUser} {
		if uid != nil {
			require.NotZero(t, *uid, "%s runs as uid 0", where)
		}
	}
	require.NotNil(t, sc.AllowPrivilegeEscalation, "%s leaves privilege escalation to the default", where)
	require.False(t, *sc.AllowPrivilegeEscalation, "%s allows privilege escalation", where)
	require.True(t, sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem,
		"%s has a writable root filesystem", where)
	require.True(t, sc.Privileged == nil || !*sc.Privileged, "%s is privileged", where)
	require.NotNil(t, sc.Capabilities, "%s keeps the default capabilities", where)
	require.Contains(t, sc.Capabilities.Drop, corev1.Capability("ALL"), "%s does not drop ALL capabilities", where)
	require.Empty(t, sc.Capabilities.Add, "%s adds capabilities", where)

	seccomp := sc.SeccompProfile
	if seccomp == nil {
		seccomp = psc.SeccompProfile
	}
	require.NotNil(t, seccomp, "%s has no seccomp profile", where)
	require.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, seccomp.Type, where)
}

// checkEnv refuses duplicate variables and a listen address that is not
// the container's http port.
func checkEnv(t *testing.T, where string, c corev1.Container) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range c.Env {
		require.False(t, seen[e.Name], "%s sets %s twice", where, e.Name)
		seen[e.Name] = true
		if e.Name != "HTTP_ADDR" && e.Name != "SIMULATOR_ADDR" {
			continue
		}
		port, ok := namedPort(c, "http")
		require.True(t, ok, "%s listens on %s but has no http port", where, e.Value)
		require.Equal(t, fmt.Sprintf(":%d", port), e.Value, "%s listens elsewhere than its http port", where)
	}
}

// checkProbes wants HTTP liveness and readiness probes on the service's
// /healthz and /readyz; the simulator, which has neither, is probed on its
// statistics page.
func checkProbes(t *testing.T, where string, c corev1.Container) {
	t.Helper()
	live, ready := "/healthz", "/readyz"
	if c.Name == "simulator" {
		live, ready = "/simulator/stats", "/simulator/stats"
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"liveness", c.LivenessProbe, live},
		{"readiness", c.ReadinessProbe, ready},
	} {
		require.NotNil(t, p.probe, "%s has no %s probe", where, p.name)
		require.NotNil(t, p.probe.HTTPGet, "%s: %s probe is not an HTTP GET", where, p.name)
		require.Equal(t, p.path, p.probe.HTTPGet.Path, "%s: %s probe path", where, p.name)
		require.True(t, containerHasPort(c, p.probe.HTTPGet.Port.String()),
			"%s: %s probe port %s is not a container port", where, p.name, p.probe.HTTPGet.Port.String())
	}
}

// namedPort returns the number of c's port called name.
func namedPort(c corev1.Container, name string) (int32, bool) {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort, true
		}
	}
	return 0, false
}

// containerHasPort reports whether port (a name or a number) is one of c's ports.
func containerHasPort(c corev1.Container, port string) bool {
	for _, p := range c.Ports {
		if p.Name == port || strconv.Itoa(int(p.ContainerPort)) == port {
			return true
		}
	}
	return false
}

// reference is a pod's use of a Secret or ConfigMap.
type reference struct {
	kind, name, key string
	optional        bool
}

// podReferences lists every Secret and ConfigMap a pod needs.
func podReferences(pod *corev1.PodSpec) []reference {
	var refs []reference
	opt := func(b *bool) bool { return b != nil && *b }
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil {
				refs = append(refs, reference{"ConfigMap", ef.ConfigMapRef.Name, "", opt(ef.ConfigMapRef.Optional)})
			}
			if ef.SecretRef != nil {
				refs = append(refs, reference{"Secret", ef.SecretRef.Name, "", opt(ef.SecretRef.Optional)})
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			if s := e.ValueFrom.SecretKeyRef; s != nil {
				refs = append(refs, reference{"Secret", s.Name, s.Key, opt(s.Optional)})
			}
			if cm := e.ValueFrom.ConfigMapKeyRef; cm != nil {
				refs = append(refs, reference{"ConfigMap", cm.Name, cm.Key, opt(cm.Optional)})
			}
		}
	}
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			refs = append(refs, reference{"Secret", v.Secret.SecretName, "", opt(v.Secret.Optional)})
		}
		if v.ConfigMap != nil {
			refs = append(refs, reference{"ConfigMap", v.ConfigMap.Name, "", opt(v.ConfigMap.Optional)})
		}
	}
	return refs
}

// existingSecrets are the Secrets the values say exist before the install.
func existingSecrets(r rendering) map[string]bool {
	out := map[string]bool{}
	for _, part := range []string{"database", "nats"} {
		name, _, _ := unstructured.NestedString(r.Values, part, "existingSecret", "name")
		if name != "" {
			out[name] = true
		}
	}
	return out
}

// objectKeys returns the keys of a rendered Secret or ConfigMap.
func objectKeys(o object) map[string]bool {
	keys := map[string]bool{}
	switch obj := o.Obj.(type) {
	case *corev1.Secret:
		for k := range obj.Data {
			keys[k] = true
		}
		for k := range obj.StringData {
			keys[k] = true
		}
	case *corev1.ConfigMap:
		for k := range obj.Data {
			keys[k] = true
		}
	}
	return keys
}

// available reports whether target exists when user runs: a release
// object exists for release objects; a hook runs before the release
// objects exist, so it may only use hooks of the same events created
// before it (lower weight).
func available(user, target object) bool {
	if user.Hook == nil {
		return target.Hook == nil
	}
	return target.Hook != nil && target.Hook.Weight < user.Hook.Weight &&
		hasEvents(target.Hook, user.Hook.Events...)
}

func TestReferencesResolve(t *testing.T) {
	t.Parallel()

	forEachScenario(t, func(t *testing.T, r rendering) {
		external := existingSecrets(r)
		for _, w := range workloads(r) {
			where := w.owner.Kind + " " + w.owner.Name
			for _, ref := range podReferences(w.pod) {
				if ref.kind == "Secret" && external[ref.name] {
					continue
				}
				target, ok := r.find(ref.kind, ref.name)
				require.True(t, ok, "%s uses %s %q, which is neither rendered nor a configured existing Secret",
					where, ref.kind, ref.name)
				require.True(t, available(w.owner, target), "%s uses %s %q, which does not exist yet when it runs",
					where, ref.kind, ref.name)
				if ref.key != "" && !ref.optional {
					require.True(t, objectKeys(target)[ref.key], "%s uses key %q of %s %q, which lacks it",
						where, ref.key, ref.kind, ref.name)
				}
			}

			// The ServiceAccount must exist too, or the pods are never created.
			sa := w.pod.ServiceAccountName
			if sa == "" || sa == "default" {
				continue
			}
			if target, ok := r.find("ServiceAccount", sa); ok {
				require.True(t, available(w.owner, target), "%s runs as ServiceAccount %q, which does not exist yet", where, sa)
				continue
			}
			create, _, _ := unstructured.NestedBool(r.Values, "serviceAccount", "create")
			name, _, _ := unstructured.NestedString(r.Values, "serviceAccount", "name")
			require.True(t, !create && name == sa, "%s runs as ServiceAccount %q, which nothing provides", where, sa)
		}
	})
}

func TestMigrationsRunBeforeDeployments(t *testing.T) {
	t.Parallel()

	forEachScenario(t, func(t *testing.T, r rendering) {
		jobs := r.all("Job")
		require.Len(t, jobs, 3, "one migration Job per service with a database")
		maxHelperWeight := -1 << 31
		for _, o := range r.Objects {
			if o.Hook != nil && o.Kind != "Job" {
				maxHelperWeight = max(maxHelperWeight, o.Hook.Weight)
			}
			if o.Kind == "Deployment" {
				// Helm applies release objects only after every pre-install
				// or pre-upgrade hook has succeeded.
				require.Nil(t, o.Hook, "Deployment %s must not be a hook", o.Name)
			}
		}
		for _, o := range jobs {
			require.NotNil(t, o.Hook, "Job %s is not a hook, so it would run beside the Deployments", o.Name)
			require.True(t, hasEvents(o.Hook, release.HookPreInstall, release.HookPreUpgrade),
				"Job %s runs on %v, want pre-install and pre-upgrade", o.Name, o.Hook.Events)
			require.Greater(t, o.Hook.Weight, maxHelperWeight, "Job %s runs before the hook objects it needs", o.Name)
			require.Contains(t, o.Hook.DeletePolicies, release.HookBeforeHookCreation,
				"a failed Job %s would block the next attempt", o.Name)
			job := o.Obj.(*batchv1.Job)
			require.Contains(t, []corev1.RestartPolicy{corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure},
				job.Spec.Template.Spec.RestartPolicy)
			require.NotNil(t, job.Spec.ActiveDeadlineSeconds, "Job %s could run forever", o.Name)
		}

		for _, svc := range []string{"callouts", "telephony", "batches"} {
			dep := mustFind[*appsv1.Deployment](t, r, "Deployment", releaseName+"-"+svc)
			job := mustFind[*batchv1.Job](t, r, "Job", releaseName+"-"+svc+"-migrate")
			c := job.Spec.Template.Spec.Containers[0]
			require.Equal(t, []string{"migrate"}, c.Args, svc)
			require.Equal(t, dep.Spec.Template.Spec.Containers[0].Image, c.Image,
				"the %s migration must come from the image it migrates for", svc)
		}
	})
}

// mustFind returns the object of kind and name as type T.
func mustFind[T any](t *testing.T, r rendering, kind, name string) T {
	t.Helper()
	o, ok := r.find(kind, name)
	require.True(t, ok, "no %s %s", kind, name)
	obj, ok := o.Obj.(T)
	require.True(t, ok, "%s %s is a %T", kind, name, o.Obj)
	return obj
}

// selectorMatches reports whether sel picks pods labelled podLabels.
func selectorMatches(t *testing.T, sel *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	require.NoError(t, err)
	return !s.Empty() && s.Matches(labels.Set(podLabels))
}

// podsOf returns the Deployments whose pods sel picks.
func podsOf(t *testing.T, r rendering, sel *metav1.LabelSelector) []*appsv1.Deployment {
	t.Helper()
	var out []*appsv1.Deployment
	for _, o := range r.all("Deployment") {
		d := o.Obj.(*appsv1.Deployment)
		if selectorMatches(t, sel, d.Spec.Template.Labels) {
			out = append(out, d)
		}
	}
	return out
}

func TestObjectsFindTheirTargets(t *testing.T) {
	t.Parallel()

	forEachScenario(t, func(t *testing.T, r rendering) {
		for _, name := range services {
			mustFind[*appsv1.Deployment](t, r, "Deployment", releaseName+"-"+name)
		}
		for _, o := range r.all("Deployment") {
			d := o.Obj.(*appsv1.Deployment)
			require.True(t, selectorMatches(t, d.Spec.Selector, d.Spec.Template.Labels),
				"Deployment %s does not select its own pods", o.Name)
			require.Len(t, podsOf(t, r, d.Spec.Selector), 1, "Deployment %s selects another's pods", o.Name)
		}

		for _, o := range r.all("Service") {
			svc := o.Obj.(*corev1.Service)
			deps := podsOf(t, r, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector})
			require.Len(t, deps, 1, "Service %s must select one Deployment's pods", o.Name)
			for _, p := range svc.Spec.Ports {
				require.True(t, containerHasPort(deps[0].Spec.Template.Spec.Containers[0], p.TargetPort.String()),
					"Service %s targets port %s, which %s lacks", o.Name, p.TargetPort.String(), deps[0].Name)
			}
		}

		for _, o := range r.all("Ingress") {
			ing := o.Obj.(*networkingv1.Ingress)
			for _, rule := range ing.Spec.Rules {
				require.NotNil(t, rule.HTTP, "Ingress %s rule without paths", o.Name)
				for _, p := range rule.HTTP.Paths {
					b := p.Backend.Service
					require.NotNil(t, b, "Ingress %s path %s has no Service backend", o.Name, p.Path)
					svc := mustFind[*corev1.Service](t, r, "Service", b.Name)
					require.True(t, slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
						return (b.Port.Name != "" && sp.Name == b.Port.Name) || (b.Port.Number != 0 && sp.Port == b.Port.Number)
					}), "Ingress %s points at a port Service %s lacks", o.Name, b.Name)
				}
			}
		}

		for _, o := range r.all("HorizontalPodAutoscaler") {
			hpa := o.Obj.(*autoscalingv2.HorizontalPodAutoscaler)
			ref := hpa.Spec.ScaleTargetRef
			require.Equal(t, "Deployment", ref.Kind)
			d := mustFind[*appsv1.Deployment](t, r, "Deployment", ref.Name)
			require.Nil(t, d.Spec.Replicas, "Deployment %s sets replicas, which would fight its autoscaler", ref.Name)
			require.NotNil(t, hpa.Spec.MinReplicas)
			require.LessOrEqual(t, *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, o.Name)
			c := d.Spec.Template.Spec.Containers[0]
			_, ok := c.Resources.Requests[corev1.ResourceCPU]
			require.True(t, ok, "%s scales on CPU but %s requests none", o.Name, ref.Name)
		}

		for _, o := range r.all("PodDisruptionBudget") {
			pdb := o.Obj.(*policyv1.PodDisruptionBudget)
			require.Len(t, podsOf(t, r, pdb.Spec.Selector), 1, "PodDisruptionBudget %s must cover one Deployment", o.Name)
			require.True(t, (pdb.Spec.MinAvailable == nil) != (pdb.Spec.MaxUnavailable == nil),
				"PodDisruptionBudget %s needs exactly one of minAvailable and maxUnavailable", o.Name)
		}

		for _, o := range r.all("ServiceMonitor") {
			checkServiceMonitor(t, r, o)
		}
	})
}

// serviceMonitorSpec is the part of the Prometheus Operator's
// ServiceMonitor the chart uses; decoding refuses any other field, so a
// misspelt one fails here rather than being dropped by the cluster.
type serviceMonitorSpec struct {
	Selector  metav1.LabelSelector `json:"selector"`
	Endpoints []struct {
		Port          string `json:"port"`
		Path          string `json:"path"`
		Interval      string `json:"interval"`
		ScrapeTimeout string `json:"scrapeTimeout"`
	} `json:"endpoints"`
}

// checkServiceMonitor validates a ServiceMonitor, a custom resource the
// Kubernetes types lack: its required fields, and that it finds the
// Services and ports it is meant to scrape.
func checkServiceMonitor(t *testing.T, r rendering, o object) {
	t.Helper()
	u := o.Obj.(*unstructured.Unstructured)
	require.Equal(t, "monitoring.coreos.com/v1", u.GetAPIVersion())
	require.NotEmpty(t, u.GetName())
	for _, field := range []string{"selector", "endpoints"} {
		_, found, err := unstructured.NestedFieldNoCopy(u.Object, "spec", field)
		require.NoError(t, err)
		require.True(t, found, "ServiceMonitor %s lacks spec.%s", o.Name, field)
	}
	rawSpec, err := json.Marshal(u.Object["spec"])
	require.NoError(t, err)
	var spec serviceMonitorSpec
	require.NoError(t, yaml.UnmarshalStrict(rawSpec, &spec), "ServiceMonitor %s", o.Name)
	require.NotEmpty(t, spec.Endpoints)

	var matched []*corev1.Service
	for _, so := range r.all("Service") {
		svc := so.Obj.(*corev1.Service)
		if selectorMatches(t, &spec.Selector, svc.Labels) {
			matched = append(matched, svc)
		}
	}
	require.Len(t, matched, len(services), "ServiceMonitor %s should scrape the four services", o.Name)
	for _, e := range spec.Endpoints {
		require.NotEmpty(t, e.Port, "ServiceMonitor %s endpoint without a port", o.Name)
		require.Equal(t, "/metrics", e.Path)
		for _, interval := range []string{e.Interval, e.ScrapeTimeout} {
			_, err := time.ParseDuration(interval)
			require.NoError(t, err)
		}
		for _, svc := range matched {
			require.True(t, slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == e.Port }),
				"ServiceMonitor %s scrapes port %q, which Service %s lacks", o.Name, e.Port, svc.Name)
		}
	}
}

// configValue returns what a service reads for name: <SERVICE>_<name>
// before <name>, from the container's environment, then the ConfigMaps
// it loads.
func configValue(t *testing.T, r rendering, service string, c corev1.Container, name string) (string, bool) {
	t.Helper()
	for _, key := range []string{strings.ToUpper(service) + "_" + name, name} {
		for _, e := range c.Env {
			if e.Name == key && e.ValueFrom == nil {
				return e.Value, true
			}
		}
		for _, ef := range slices.Backward(c.EnvFrom) {
			if ef.ConfigMapRef == nil {
				continue
			}
			cm := mustFind[*corev1.ConfigMap](t, r, "ConfigMap", ef.ConfigMapRef.Name)
			if v, ok := cm.Data[key]; ok {
				return v, true
			}
		}
	}
	return "", false
}

func TestShutdownFitsTheGracePeriod(t *testing.T) {
	t.Parallel()

	forEachScenario(t, func(t *testing.T, r rendering) {
		for _, o := range r.all("Deployment") {
			d := o.Obj.(*appsv1.Deployment)
			pod := d.Spec.Template.Spec
			service := d.Spec.Template.Labels["app.kubernetes.io/component"]
			require.NotNil(t, pod.TerminationGracePeriodSeconds, o.Name)
			grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second

			c := pod.Containers[0]
			shutdown := 25 * time.Second // the services' default
			if v, ok := configValue(t, r, service, c, "SHUTDOWN_TIMEOUT"); ok {
				var err error
				shutdown, err = time.ParseDuration(v)
				require.NoError(t, err, "%s SHUTDOWN_TIMEOUT", o.Name)
			}
			var preStop time.Duration
			if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
				preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
			}
			require.Greater(t, grace, shutdown+preStop,
				"%s is killed after %s but may need %s to stop", o.Name, grace, shutdown+preStop)
		}
	})
}

func TestDefaultValues(t *testing.T) {
	t.Parallel()

	r, err := render(nil)
	require.NoError(t, err)

	cm := mustFind[*corev1.ConfigMap](t, r, "ConfigMap", releaseName)
	require.Equal(t, "1", cm.Data["STREAM_REPLICAS"])
	require.Equal(t, "25s", cm.Data["SHUTDOWN_TIMEOUT"])
	require.Equal(t, "10485760", cm.Data["GATEWAY_MAX_BODY_BYTES"])
	require.Equal(t, "http://scfm-gateway.calls.svc", cm.Data["PUBLIC_BASE_URL"],
		"without an ingress, callbacks go to the gateway inside the cluster")
	require.NotContains(t, cm.Data, "TELEPHONY_SIMULATOR_URL")

	// The database URL comes from the CloudNativePG application Secret; the
	// chart's own Secret holds only the NATS URL.
	secret := mustFind[*corev1.Secret](t, r, "Secret", releaseName)
	require.Equal(t, map[string]string{"NATS_URL": "nats://nats:4222"}, secret.StringData)
	job := mustFind[*batchv1.Job](t, r, "Job", releaseName+"-callouts-migrate")
	dbURL := job.Spec.Template.Spec.Containers[0].Env[0]
	require.Equal(t, "DATABASE_URL", dbURL.Name)
	require.Equal(t, "scfm-db-app", dbURL.ValueFrom.SecretKeyRef.Name)
	require.Equal(t, "uri", dbURL.ValueFrom.SecretKeyRef.Key)

	for _, name := range services {
		d := mustFind[*appsv1.Deployment](t, r, "Deployment", releaseName+"-"+name)
		require.EqualValues(t, 30, *d.Spec.Template.Spec.TerminationGracePeriodSeconds)
		require.Equal(t, "scfm-"+name+":0.1.0", d.Spec.Template.Spec.Containers[0].Image)
		gatewayEnv := slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Env,
			func(e corev1.EnvVar) bool { return e.Name == "DATABASE_URL" })
		require.Equal(t, name != "gateway", gatewayEnv, "only services with a database get DATABASE_URL")
		mustFind[*policyv1.PodDisruptionBudget](t, r, "PodDisruptionBudget", releaseName+"-"+name)
	}
	for _, name := range []string{"gateway", "telephony"} {
		mustFind[*autoscalingv2.HorizontalPodAutoscaler](t, r, "HorizontalPodAutoscaler", releaseName+"-"+name)
	}
	require.Len(t, r.all("HorizontalPodAutoscaler"), 2)

	_, ok := r.find("Deployment", releaseName+"-simulator")
	require.False(t, ok, "the simulator is off by default")
	require.Empty(t, r.all("Ingress"))
	require.Empty(t, r.all("ServiceMonitor"))
	_, ok = r.find("Secret", releaseName+"-migrations")
	require.False(t, ok, "no hook Secret when the database URL is in an existing Secret")
}

func TestProductionValues(t *testing.T) {
	t.Parallel()

	r, err := render(loadValuesFile(t, "values-production.yaml"))
	require.NoError(t, err)

	cm := mustFind[*corev1.ConfigMap](t, r, "ConfigMap", releaseName)
	require.Equal(t, "3", cm.Data["STREAM_REPLICAS"])
	require.Equal(t, "https://scfm.example.org", cm.Data["PUBLIC_BASE_URL"], "the ingress host, with TLS")
	_, ok := r.find("Secret", releaseName)
	require.False(t, ok, "every URL comes from an existing Secret")

	for _, name := range []string{"gateway", "telephony"} {
		hpa := mustFind[*autoscalingv2.HorizontalPodAutoscaler](t, r, "HorizontalPodAutoscaler", releaseName+"-"+name)
		require.GreaterOrEqual(t, *hpa.Spec.MinReplicas, int32(3))
	}
	for _, name := range []string{"callouts", "batches"} {
		d := mustFind[*appsv1.Deployment](t, r, "Deployment", releaseName+"-"+name)
		require.GreaterOrEqual(t, *d.Spec.Replicas, int32(3))
	}
	gw := mustFind[*appsv1.Deployment](t, r, "Deployment", releaseName+"-gateway")
	for _, tsc := range gw.Spec.Template.Spec.TopologySpreadConstraints {
		require.NotNil(t, tsc.LabelSelector, "the chart fills in the selector")
		require.True(t, selectorMatches(t, tsc.LabelSelector, gw.Spec.Template.Labels))
	}

	ing := mustFind[*networkingv1.Ingress](t, r, "Ingress", releaseName+"-gateway")
	require.NotEmpty(t, ing.Spec.TLS)
	require.Len(t, r.all("ServiceMonitor"), 1)
}

func TestInlineURLsAndOptionalParts(t *testing.T) {
	t.Parallel()

	r, err := render(valuesYAML(t, inlineEverythingOn))
	require.NoError(t, err)

	secret := mustFind[*corev1.Secret](t, r, "Secret", releaseName)
	require.Contains(t, secret.StringData, "DATABASE_URL")
	require.Contains(t, secret.StringData, "NATS_URL")

	// The migration Jobs run before the release's Secret exists, so they
	// read the URL from a hook Secret created just before them.
	hookSecret, ok := r.find("Secret", releaseName+"-migrations")
	require.True(t, ok)
	require.True(t, hasEvents(hookSecret.Hook, release.HookPreInstall, release.HookPreUpgrade))
	require.Contains(t, hookSecret.Hook.DeletePolicies, release.HookSucceeded, "the copy must not outlive the migrations")

	cm := mustFind[*corev1.ConfigMap](t, r, "ConfigMap", releaseName)
	require.Equal(t, "CallFlowLogic::Survey,CallFlowLogic::Echo", cm.Data["REGISTERED_CALL_FLOW_LOGIC"])
	require.Equal(t, "32", cm.Data["CALLOUTS_WORKERS"])
	require.Equal(t, "staging", cm.Data["NATS_PREFIX"])
	require.Equal(t, "https://scfm.example.com", cm.Data["PUBLIC_BASE_URL"])

	sim := mustFind[*appsv1.Deployment](t, r, "Deployment", releaseName+"-simulator")
	c := sim.Spec.Template.Spec.Containers[0]
	require.Equal(t, []string{"simulator"}, c.Args)
	require.Equal(t, "scfm-telephony:0.1.0", c.Image, "the simulator is part of the telephony binary")
	simSvc := mustFind[*corev1.Service](t, r, "Service", releaseName+"-simulator")
	require.Equal(t, fmt.Sprintf("http://%s:%d", simSvc.Name, simSvc.Spec.Ports[0].Port),
		cm.Data["TELEPHONY_SIMULATOR_URL"], "telephony dials the simulator's Service")

	gw := mustFind[*appsv1.Deployment](t, r, "Deployment", releaseName+"-gateway")
	require.NotNil(t, gw.Spec.Replicas, "without an autoscaler the Deployment sets replicas")
	require.Equal(t, "scfm-runner", gw.Spec.Template.Spec.ServiceAccountName)
	_, ok = r.find("ServiceAccount", "scfm-runner")
	require.False(t, ok)
	require.Empty(t, r.all("HorizontalPodAutoscaler"))
}

func TestRenderRefusesValuesThatCannotWork(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		values  string
		wantErr string
	}{
		{
			name:    "no database URL",
			values:  `database: {existingSecret: {name: ""}}`,
			wantErr: "set database.url or database.existingSecret.name",
		},
		{
			name:    "two database URLs",
			values:  `database: {url: "postgres://db/scfm"}`,
			wantErr: "are both set",
		},
		{
			name:    "no NATS URL",
			values:  `nats: {url: ""}`,
			wantErr: "set nats.url or nats.existingSecret.name",
		},
		{
			name:    "grace period shorter than the shutdown",
			values:  `terminationGracePeriodSeconds: 20`,
			wantErr: "terminationGracePeriodSeconds (20) must exceed",
		},
		{
			name:    "shutdown in minutes longer than the grace period",
			values:  `config: {shutdownTimeout: 1m}`,
			wantErr: "terminationGracePeriodSeconds (30) must exceed",
		},
		{
			name:    "pre-stop sleep eats the grace period",
			values:  `gateway: {preStopSleepSeconds: 5}`,
			wantErr: "terminationGracePeriodSeconds (30) must exceed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := render(valuesYAML(t, tt.values))
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
