// Package kubernetes_test checks the manifests in deploy/kubernetes: every YAML document is
// decoded strictly into its Kubernetes API type (an unknown or misspelt field fails), and the
// properties a sharded seccheck run depends on are asserted, so a manifest that regresses fails
// here rather than on a cluster. Nothing is applied to a cluster.
package kubernetes_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomize's Kustomization that these manifests use. Decoded
// strictly, so a field added to kustomization.yaml must be added here too (and checked).
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace,omitempty"`
	Resources  []string `json:"resources"`
}

// manifests holds every decoded document, by kind and name.
type manifests struct {
	configMaps    map[string]*corev1.ConfigMap
	secrets       map[string]*corev1.Secret
	pvcs          map[string]*corev1.PersistentVolumeClaim
	jobs          map[string]*batchv1.Job
	pods          map[string]*corev1.Pod
	kustomization *kustomization
}

// apiVersionOf is the apiVersion each kind must be written with.
var apiVersionOf = map[string]string{
	"ConfigMap":             "v1",
	"Secret":                "v1",
	"PersistentVolumeClaim": "v1",
	"Pod":                   "v1",
	"Job":                   "batch/v1",
	"Kustomization":         "kustomize.config.k8s.io/v1beta1",
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// splitDocuments returns the YAML documents of data that hold more than comments.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range docSeparator.Split(string(data), -1) {
		for _, line := range strings.Split(d, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				docs = append(docs, []byte(d))
				break
			}
		}
	}
	return docs
}

// unmarshalStrict decodes YAML as the API server reads a manifest: duplicate keys, unknown
// fields and type mismatches are errors, and field names match case-sensitively. (encoding/json,
// which sigs.k8s.io/yaml.UnmarshalStrict uses, would take "completionmode" for "completionMode".)
func unmarshalStrict(doc []byte, obj any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strictErrs, err := kjson.UnmarshalStrict(j, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

// decodeStrict decodes one document into its typed object. Unknown fields, duplicate keys and
// type mismatches are errors.
func decodeStrict(doc []byte) (kind string, obj any, err error) {
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return "", nil, err
	}
	want, ok := apiVersionOf[tm.Kind]
	if !ok {
		return tm.Kind, nil, fmt.Errorf("kind %q is not one this test knows; add it to apiVersionOf and check it", tm.Kind)
	}
	if tm.APIVersion != want {
		return tm.Kind, nil, fmt.Errorf("%s has apiVersion %q, want %q", tm.Kind, tm.APIVersion, want)
	}
	switch tm.Kind {
	case "ConfigMap":
		obj = &corev1.ConfigMap{}
	case "Secret":
		obj = &corev1.Secret{}
	case "PersistentVolumeClaim":
		obj = &corev1.PersistentVolumeClaim{}
	case "Pod":
		obj = &corev1.Pod{}
	case "Job":
		obj = &batchv1.Job{}
	case "Kustomization":
		obj = &kustomization{}
	}
	if err := unmarshalStrict(doc, obj); err != nil {
		return tm.Kind, nil, err
	}
	return tm.Kind, obj, nil
}

var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func load(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no *.yaml in deploy/kubernetes")
	}
	m := &manifests{
		configMaps: map[string]*corev1.ConfigMap{},
		secrets:    map[string]*corev1.Secret{},
		pvcs:       map[string]*corev1.PersistentVolumeClaim{},
		jobs:       map[string]*batchv1.Job{},
		pods:       map[string]*corev1.Pod{},
	}
	seen := map[string]string{} // kind/name -> file
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs := splitDocuments(data)
		if len(docs) == 0 {
			t.Errorf("%s: no YAML document", f)
		}
		for i, doc := range docs {
			kind, obj, err := decodeStrict(doc)
			if err != nil {
				t.Errorf("%s: document %d: %v", f, i+1, err)
				continue
			}
			var name string
			switch o := obj.(type) {
			case *corev1.ConfigMap:
				name, m.configMaps[o.Name] = o.Name, o
			case *corev1.Secret:
				name, m.secrets[o.Name] = o.Name, o
			case *corev1.PersistentVolumeClaim:
				name, m.pvcs[o.Name] = o.Name, o
			case *corev1.Pod:
				name, m.pods[o.Name] = o.Name, o
			case *batchv1.Job:
				name, m.jobs[o.Name] = o.Name, o
			case *kustomization:
				if f != "kustomization.yaml" {
					t.Errorf("%s: a Kustomization belongs in kustomization.yaml", f)
				}
				name, m.kustomization = "kustomization", o
			}
			if !dns1123.MatchString(name) || len(name) > 63 {
				t.Errorf("%s: %s name %q is not a DNS-1123 label", f, kind, name)
			}
			key := kind + "/" + name
			if prev, dup := seen[key]; dup {
				t.Errorf("%s: %s is defined again (first in %s)", f, key, prev)
			}
			seen[key] = f
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return m
}

func TestEveryDocumentDecodesStrictly(t *testing.T) {
	m := load(t)
	// The objects the walkthrough in docs/kubernetes.md names.
	for _, want := range []struct {
		kind, name string
		ok         bool
	}{
		{"ConfigMap", "seccheck-spec", m.configMaps["seccheck-spec"] != nil},
		{"Secret", "seccheck-credentials", m.secrets["seccheck-credentials"] != nil},
		{"PersistentVolumeClaim", "seccheck-results", m.pvcs["seccheck-results"] != nil},
		{"Job", "seccheck-shards", m.jobs["seccheck-shards"] != nil},
		{"Job", "seccheck-merge", m.jobs["seccheck-merge"] != nil},
		{"Pod", "seccheck-results-reader", m.pods["seccheck-results-reader"] != nil},
		{"Kustomization", "kustomization.yaml", m.kustomization != nil},
	} {
		if !want.ok {
			t.Errorf("missing %s %s", want.kind, want.name)
		}
	}
}

// The test is only as good as the decoder's strictness: prove it rejects what it must.
func TestStrictDecoderRejectsMistakes(t *testing.T) {
	for name, doc := range map[string]string{
		"field case":       "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  completionmode: Indexed\n",
		"misspelt field 2": "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  completionsMode: Indexed\n",
		"duplicate key":    "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  backoffLimit: 0\n  backoffLimit: 3\n",
		"wrong type":       "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  parallelism: four\n",
		"wrong version":    "apiVersion: v1\nkind: Job\nmetadata: {name: x}\n",
		"unknown kind":     "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
		"kustomize field":  "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresource: [job.yaml]\n",
	} {
		if _, _, err := decodeStrict([]byte(doc)); err == nil {
			t.Errorf("%s: decoded without error:\n%s", name, doc)
		}
	}
}

// onlyContainer returns the single container of a pod template.
func onlyContainer(t *testing.T, what string, spec *corev1.PodSpec) *corev1.Container {
	t.Helper()
	if len(spec.Containers) != 1 || len(spec.InitContainers) != 0 {
		t.Fatalf("%s: want exactly one container and no init containers, got %d and %d",
			what, len(spec.Containers), len(spec.InitContainers))
	}
	return &spec.Containers[0]
}

// script returns the shell script a container runs: command [SHELL, -c, SCRIPT].
func script(t *testing.T, what string, c *corev1.Container) string {
	t.Helper()
	argv := append(slices.Clone(c.Command), c.Args...)
	if len(argv) != 3 || !strings.HasSuffix(argv[0], "/sh") || argv[1] != "-c" {
		t.Fatalf("%s: want command [/…/sh, -c, SCRIPT], got %q", what, argv)
	}
	return argv[2]
}

// commandLine returns the fields of the one script line that runs `seccheck VERB`.
func commandLine(t *testing.T, what, script, verb string) []string {
	t.Helper()
	var found []string
	for _, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		if i := slices.Index(f, "seccheck"); i >= 0 && i+1 < len(f) && f[i+1] == verb && !strings.HasPrefix(f[0], "#") {
			if found != nil {
				t.Fatalf("%s: more than one `seccheck %s` line", what, verb)
			}
			found = f[i:]
		}
	}
	if found == nil {
		t.Fatalf("%s: no `seccheck %s` line in:\n%s", what, verb, script)
	}
	return found
}

// flagValues returns every value of --name VALUE and --name=VALUE in args.
func flagValues(args []string, name string) []string {
	var vals []string
	for i, a := range args {
		if a == name && i+1 < len(args) {
			vals = append(vals, args[i+1])
		} else if v, ok := strings.CutPrefix(a, name+"="); ok {
			vals = append(vals, v)
		}
	}
	return vals
}

var kubeletVarRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// envNames returns the names the container's env defines.
func envNames(c *corev1.Container) map[string]*corev1.EnvVar {
	names := map[string]*corev1.EnvVar{}
	for i := range c.Env {
		names[c.Env[i].Name] = &c.Env[i]
	}
	return names
}

// mountFor returns the volume mounted at dir in c, and the volume itself.
func mountFor(t *testing.T, what string, spec *corev1.PodSpec, c *corev1.Container, dir string) (*corev1.VolumeMount, *corev1.Volume) {
	t.Helper()
	for i := range c.VolumeMounts {
		vm := &c.VolumeMounts[i]
		if vm.MountPath != dir {
			continue
		}
		for j := range spec.Volumes {
			if spec.Volumes[j].Name == vm.Name {
				return vm, &spec.Volumes[j]
			}
		}
		t.Fatalf("%s: volumeMount %q names no volume", what, vm.Name)
	}
	t.Fatalf("%s: nothing mounted at %s", what, dir)
	return nil, nil
}

// checkHardening asserts the pod and container security settings both Jobs share.
func checkHardening(t *testing.T, what string, spec *corev1.PodSpec, c *corev1.Container) {
	t.Helper()
	if spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %q, want Never (a restarted container re-sends its traffic)", what, spec.RestartPolicy)
	}
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("%s: pod securityContext must set runAsNonRoot: true and a non-zero runAsUser", what)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext must set seccompProfile RuntimeDefault", what)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s: container must have readOnlyRootFilesystem: true", what)
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: container must have allowPrivilegeEscalation: false", what)
	}
	if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s: container must drop ALL capabilities", what)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken must be false (seccheck never calls the API)", what)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := c.Resources.Requests[r]; !ok || q.IsZero() {
			t.Errorf("%s: no %s request", what, r)
		}
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok || q.IsZero() {
		t.Errorf("%s: no memory limit", what)
	}
	// A read-only root needs somewhere to write temporary files.
	if _, v := mountFor(t, what, spec, c, "/tmp"); v.EmptyDir == nil {
		t.Errorf("%s: /tmp must be an emptyDir", what)
	}
	// Every $(VAR) in the command is substituted by the kubelet only if the container defines
	// VAR; otherwise seccheck would receive the literal text "$(VAR)".
	for _, s := range append(slices.Clone(c.Command), c.Args...) {
		for _, ref := range kubeletVarRef.FindAllStringSubmatch(s, -1) {
			if _, ok := envNames(c)[ref[1]]; !ok {
				t.Errorf("%s: command uses $(%s) but env does not define it", what, ref[1])
			}
		}
	}
}

// shardCount returns the N of the shard Job after checking parallelism == completions.
func shardCount(t *testing.T, job *batchv1.Job) int {
	t.Helper()
	s := job.Spec
	if s.Parallelism == nil || s.Completions == nil {
		t.Fatalf("job %s: parallelism and completions must both be set", job.Name)
	}
	if *s.Parallelism != *s.Completions || *s.Completions < 1 {
		t.Fatalf("job %s: parallelism %d and completions %d must be equal and positive: every shard runs at once",
			job.Name, *s.Parallelism, *s.Completions)
	}
	return int(*s.Completions)
}

func TestShardJob(t *testing.T) {
	m := load(t)
	job := m.jobs["seccheck-shards"]
	if job == nil {
		t.Fatal("no Job seccheck-shards")
	}
	const what = "job seccheck-shards"
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("%s: completionMode must be Indexed (each pod needs its own JOB_COMPLETION_INDEX)", what)
	}
	n := shardCount(t, job)
	if s.BackoffLimit == nil || *s.BackoffLimit != 0 {
		t.Errorf("%s: backoffLimit must be 0: a load test must not silently re-run", what)
	}
	if s.BackoffLimitPerIndex != nil {
		t.Errorf("%s: backoffLimitPerIndex would retry a shard", what)
	}
	if s.ActiveDeadlineSeconds == nil || *s.ActiveDeadlineSeconds <= 0 {
		t.Errorf("%s: activeDeadlineSeconds must bound the run", what)
	}
	pod := &s.Template.Spec
	c := onlyContainer(t, what, pod)
	checkHardening(t, what, pod, c)

	run := commandLine(t, what, script(t, what, c), "run")
	if got := flagValues(run, "--shards"); len(got) != 1 || got[0] != strconv.Itoa(n) {
		t.Errorf("%s: --shards %q, want exactly one, equal to parallelism and completions (%d)", what, got, n)
	}
	if got := flagValues(run, "--start-at"); len(got) != 1 || got[0] != "$(START_AT)" {
		t.Errorf("%s: --start-at %q, want $(START_AT) so every pod gets the same instant", what, got)
	}
	if got := flagValues(run, "--seed"); len(got) != 1 {
		t.Errorf("%s: want one --seed (shards choose endpoints with seed+index), got %q", what, got)
	} else if _, err := strconv.ParseInt(got[0], 10, 64); err != nil {
		t.Errorf("%s: --seed %q is not an integer", what, got[0])
	}
	if got := flagValues(run, "--shard"); len(got) != 0 {
		t.Errorf("%s: --shard %q would give every pod the same index; use JOB_COMPLETION_INDEX", what, got)
	}
	var partial string
	for _, o := range flagValues(run, "--out") {
		if p, ok := strings.CutPrefix(o, "partial="); ok {
			partial = p
		}
	}
	if partial == "" || !strings.Contains(partial, "$(JOB_COMPLETION_INDEX)") {
		t.Fatalf("%s: want --out partial=PATH with $(JOB_COMPLETION_INDEX) in PATH, got %q", what, run)
	}

	// JOB_COMPLETION_INDEX comes from the Job controller's annotation.
	env := envNames(c)
	if e := env["JOB_COMPLETION_INDEX"]; e == nil || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil ||
		e.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("%s: JOB_COMPLETION_INDEX must come from the job-completion-index annotation", what)
	}
	// START_AT: one value for all pods, from a ConfigMap the user sets per run. No manifest may
	// define that ConfigMap, or `kubectl apply -k` would reset it to a stale instant.
	if e := env["START_AT"]; e == nil || e.ValueFrom == nil || e.ValueFrom.ConfigMapKeyRef == nil {
		t.Errorf("%s: START_AT must come from a ConfigMap key", what)
	} else if ref := e.ValueFrom.ConfigMapKeyRef; m.configMaps[ref.Name] != nil {
		t.Errorf("%s: START_AT's ConfigMap %q is defined in the manifests; it must be set per run", what, ref.Name)
	} else if ref.Optional != nil && *ref.Optional {
		t.Errorf("%s: START_AT must not be optional", what)
	}

	// The spec argument is a key of the mounted spec ConfigMap.
	specPath := run[2]
	if strings.HasPrefix(specPath, "-") {
		t.Fatalf("%s: want `seccheck run SPEC …`, got %q", what, run)
	}
	vm, vol := mountFor(t, what, pod, c, filepath.Dir(specPath))
	if vol.ConfigMap == nil || !vm.ReadOnly {
		t.Fatalf("%s: %s must be a read-only ConfigMap mount", what, vm.MountPath)
	}
	cm := m.configMaps[vol.ConfigMap.Name]
	if cm == nil {
		t.Fatalf("%s: mounts ConfigMap %q, which no manifest defines", what, vol.ConfigMap.Name)
	}
	if _, ok := cm.Data[filepath.Base(specPath)]; !ok || len(vol.ConfigMap.Items) != 0 {
		t.Errorf("%s: ConfigMap %s has no key %q for %s", what, cm.Name, filepath.Base(specPath), specPath)
	}

	// The partial goes to the shared ReadWriteMany claim.
	_, vol = mountFor(t, what, pod, c, filepath.Dir(partial))
	checkResultsClaim(t, m, what, vol)

	// Credentials: the Secret is the pods' environment, and it holds every ${NAME} of the spec.
	var secret *corev1.Secret
	for _, ef := range c.EnvFrom {
		if ef.SecretRef != nil {
			secret = m.secrets[ef.SecretRef.Name]
			if secret == nil {
				t.Errorf("%s: envFrom names Secret %q, which no manifest defines", what, ef.SecretRef.Name)
			}
		}
	}
	if secret == nil {
		t.Fatalf("%s: no envFrom secretRef: the spec's ${API_TOKEN} would be empty", what)
	}
	for _, ref := range specEnvRefs(cm.Data[filepath.Base(specPath)]) {
		_, inSecret := secret.StringData[ref]
		if _, inData := secret.Data[ref]; !inSecret && !inData && env[ref] == nil {
			t.Errorf("%s: the spec interpolates ${%s}, which neither Secret %s nor env provides", what, ref, secret.Name)
		}
	}
}

// checkResultsClaim asserts vol is the shared results claim and that claim is ReadWriteMany.
func checkResultsClaim(t *testing.T, m *manifests, what string, vol *corev1.Volume) {
	t.Helper()
	if vol.PersistentVolumeClaim == nil {
		t.Fatalf("%s: results volume %q is not a PersistentVolumeClaim", what, vol.Name)
	}
	pvc := m.pvcs[vol.PersistentVolumeClaim.ClaimName]
	if pvc == nil {
		t.Fatalf("%s: claim %q is defined by no manifest", what, vol.PersistentVolumeClaim.ClaimName)
	}
	if vol.PersistentVolumeClaim.ReadOnly {
		t.Errorf("%s: results claim is mounted read-only", what)
	}
	if !slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}) {
		t.Errorf("%s: claim %s has accessModes %v, want [ReadWriteMany]: shards on several nodes write at once",
			what, pvc.Name, pvc.Spec.AccessModes)
	}
	if q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; !ok || q.IsZero() {
		t.Errorf("claim %s requests no storage", pvc.Name)
	}
}

var specEnvRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// specEnvRefs returns the sorted names the spec interpolates with ${NAME}.
func specEnvRefs(spec string) []string {
	set := map[string]bool{}
	for _, ref := range specEnvRef.FindAllStringSubmatch(spec, -1) {
		set[ref[1]] = true
	}
	var names []string
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestMergeJob(t *testing.T) {
	m := load(t)
	job, shards := m.jobs["seccheck-merge"], m.jobs["seccheck-shards"]
	if job == nil || shards == nil {
		t.Fatal("want Jobs seccheck-merge and seccheck-shards")
	}
	const what = "job seccheck-merge"
	s := job.Spec
	if s.CompletionMode != nil && *s.CompletionMode == batchv1.IndexedCompletion {
		t.Errorf("%s: the merge is one pod, not Indexed", what)
	}
	if s.Completions == nil || *s.Completions != 1 || s.Parallelism == nil || *s.Parallelism != 1 {
		t.Errorf("%s: want completions 1 and parallelism 1", what)
	}
	if s.BackoffLimit == nil || *s.BackoffLimit != 0 {
		t.Errorf("%s: backoffLimit must be 0: the exit code is the verdict", what)
	}
	pod := &s.Template.Spec
	c := onlyContainer(t, what, pod)
	checkHardening(t, what, pod, c)

	shardC := &shards.Spec.Template.Spec.Containers[0]
	if c.Image != shardC.Image {
		t.Errorf("%s: image %q differs from the shards' %q: partials are only read by the build that wrote them",
			what, c.Image, shardC.Image)
	}
	if e := envNames(c)["SHARDS"]; e == nil || e.Value != strconv.Itoa(shardCount(t, shards)) {
		t.Errorf("%s: SHARDS must equal the shard Job's completions (%d)", what, shardCount(t, shards))
	}
	if len(c.EnvFrom) != 0 {
		t.Errorf("%s: the merge needs no credentials; do not give it the Secret", what)
	}

	sh := script(t, what, c)
	if !strings.Contains(sh, "set -- /results/part-*.bin") {
		t.Errorf("%s: the script must expand /results/part-*.bin", what)
	}
	merge := commandLine(t, what, sh, "merge")
	if merge[2] != `"$@"` {
		t.Errorf("%s: want `seccheck merge \"$@\" …` over the expanded parts, got %q", what, merge)
	}
	outs := map[string]string{}
	for _, o := range flagValues(merge, "--out") {
		format, path, _ := strings.Cut(o, "=")
		outs[format] = path
	}
	for _, f := range []string{"json", "html", "junit"} {
		if !strings.HasPrefix(outs[f], "/results/") {
			t.Errorf("%s: want --out %s=/results/…, got %q", what, f, outs)
		}
	}
	_, vol := mountFor(t, what, pod, c, "/results")
	checkResultsClaim(t, m, what, vol)
	_, shardVol := mountFor(t, "job seccheck-shards", &shards.Spec.Template.Spec, shardC, "/results")
	if shardVol.PersistentVolumeClaim == nil || vol.PersistentVolumeClaim.ClaimName != shardVol.PersistentVolumeClaim.ClaimName {
		t.Errorf("%s: reads a different claim than the shards write", what)
	}
}

// specTopLevel are the spec v1 top-level keys (DESIGN.md); anything else is a typo.
var specTopLevel = []string{"version", "name", "target", "auth", "endpoints", "load", "checks", "thresholds"}

func TestSpecConfigMap(t *testing.T) {
	m := load(t)
	cm := m.configMaps["seccheck-spec"]
	if cm == nil {
		t.Fatal("no ConfigMap seccheck-spec")
	}
	raw, ok := cm.Data["spec.yaml"]
	if !ok {
		t.Fatal("ConfigMap seccheck-spec has no key spec.yaml")
	}
	if docs := splitDocuments([]byte(raw)); len(docs) != 1 {
		t.Fatalf("spec.yaml holds %d YAML documents, want 1", len(docs))
	}
	var spec struct {
		Version    *int                   `json:"version"`
		Name       string                 `json:"name"`
		Target     struct{ URL string }   `json:"target"`
		Endpoints  []map[string]any       `json:"endpoints"`
		Load       struct{ Phases []any } `json:"load"`
		Thresholds map[string]string      `json:"thresholds"`
	}
	if err := yaml.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatalf("spec.yaml: %v", err)
	}
	var top map[string]any
	if err := unmarshalStrict([]byte(raw), &top); err != nil {
		t.Fatalf("spec.yaml (duplicate keys?): %v", err)
	}
	for k := range top {
		if !slices.Contains(specTopLevel, k) {
			t.Errorf("spec.yaml: unknown top-level key %q (spec v1 has %v)", k, specTopLevel)
		}
	}
	if spec.Version == nil || *spec.Version != 1 {
		t.Errorf("spec.yaml: want version: 1")
	}
	if spec.Name == "" || !strings.HasPrefix(spec.Target.URL, "http") {
		t.Errorf("spec.yaml: want a name and a target.url, got %q and %q", spec.Name, spec.Target.URL)
	}
	if len(spec.Endpoints) == 0 {
		t.Fatal("spec.yaml: no endpoints")
	}
	for i, e := range spec.Endpoints {
		if p, _ := e["path"].(string); !strings.HasPrefix(p, "/") {
			t.Errorf("spec.yaml: endpoint %d: path %q must start with /", i, p)
		}
	}
	if len(spec.Load.Phases) == 0 {
		t.Error("spec.yaml: a release load test needs load.phases")
	}
	if len(spec.Thresholds) == 0 {
		t.Error("spec.yaml: no thresholds: merge would have nothing to judge")
	}
	if !slices.Contains(specEnvRefs(raw), "API_TOKEN") {
		t.Error("spec.yaml: want credentials from ${API_TOKEN}, never written into the ConfigMap")
	}
}

func TestSecretIsAnExample(t *testing.T) {
	m := load(t)
	for name, s := range m.secrets {
		if len(s.Data) != 0 {
			t.Errorf("Secret %s: use stringData placeholders, not data", name)
		}
		for k, v := range s.StringData {
			if !strings.Contains(strings.ToUpper(v), "EXAMPLE") {
				t.Errorf("Secret %s: %s does not look like a placeholder; never commit a real credential", name, k)
			}
		}
	}
}

// kustomizeExcluded are the manifests `kubectl apply -k` must not apply, and why.
var kustomizeExcluded = map[string]string{
	"secret.example.yaml": "a placeholder that would overwrite the real Secret",
	"merge-job.yaml":      "must start after the shards complete",
	"results-reader.yaml": "an on-demand pod",
}

func TestKustomization(t *testing.T) {
	m := load(t)
	k := m.kustomization
	if k == nil {
		t.Fatal("no kustomization.yaml")
	}
	files, _ := filepath.Glob("*.yaml")
	for _, f := range files {
		if f == "kustomization.yaml" {
			continue
		}
		listed := slices.Contains(k.Resources, f)
		if why, excluded := kustomizeExcluded[f]; excluded && listed {
			t.Errorf("kustomization lists %s: %s", f, why)
		} else if !excluded && !listed {
			t.Errorf("%s is neither in kustomization.yaml nor excluded on purpose in this test", f)
		}
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(r); err != nil {
			t.Errorf("kustomization resource %s: %v", r, err)
		}
	}
	// The run's own objects must all be there.
	for _, want := range []string{"configmap.yaml", "pvc.yaml", "job.yaml"} {
		if !slices.Contains(k.Resources, want) {
			t.Errorf("kustomization does not list %s", want)
		}
	}
}

// kubeletExpand substitutes $(NAME) from env as the kubelet does for command and args
// ($$ is a literal $; an undefined reference is left as written).
func kubeletExpand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) {
			if s[i+1] == '$' {
				b.WriteByte('$')
				i++
				continue
			}
			if loc := kubeletVarRef.FindStringSubmatchIndex(s[i:]); loc != nil && loc[0] == 0 {
				if v, ok := env[s[i+loc[2]:i+loc[3]]]; ok {
					b.WriteString(v)
					i += loc[1] - 1
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// runScript runs a container's script with the sh on PATH, with /results rewritten to dir and
// a fake `seccheck` first on PATH that records its arguments and exits with exitCode.
func runScript(t *testing.T, sh, dir string, exitCode int, env map[string]string) (code int, args string, stderr string) {
	t.Helper()
	shell, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	bin := t.TempDir()
	argsFile := filepath.Join(bin, "args")
	fake := fmt.Sprintf("#!%s\nprintf '%%s\\n' \"$@\" > %q\nexit %d\n", shell, argsFile, exitCode)
	if err := os.WriteFile(filepath.Join(bin, "seccheck"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	sh = strings.ReplaceAll(kubeletExpand(sh, env), "/results", dir)
	cmd := exec.Command(shell, "-c", sh)
	cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err = cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("running script: %v", err)
	}
	a, _ := os.ReadFile(argsFile)
	return code, string(a), errb.String()
}

// The shard script maps exit codes: 1 (this slice failed a threshold; the partial says so and
// merge judges the whole run) succeeds so the Job does not kill the other shards; the others
// fail the pod. It also removes a stale partial before running.
func TestShardScriptExitCodes(t *testing.T) {
	m := load(t)
	c := &m.jobs["seccheck-shards"].Spec.Template.Spec.Containers[0]
	sh := script(t, "job seccheck-shards", c)
	env := map[string]string{"JOB_COMPLETION_INDEX": "2", "START_AT": "2030-01-02T03:04:05Z", "API_TOKEN": "t"}
	for _, tc := range []struct{ seccheck, want int }{{0, 0}, {1, 0}, {2, 2}, {3, 3}, {130, 130}} {
		dir := t.TempDir()
		stale := filepath.Join(dir, "part-2.bin")
		if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, args, stderr := runScript(t, sh, dir, tc.seccheck, env)
		if code != tc.want {
			t.Errorf("seccheck exits %d: script exits %d, want %d (stderr %q)", tc.seccheck, code, tc.want, stderr)
		}
		if _, err := os.Stat(stale); err == nil {
			t.Errorf("seccheck exits %d: the stale partial %s was not removed", tc.seccheck, stale)
		}
		wantArgs := []string{"run", "--start-at", "2030-01-02T03:04:05Z", "--out", "partial=" + filepath.Join(dir, "part-2.bin")}
		for _, w := range wantArgs {
			if !slices.Contains(strings.Split(args, "\n"), w) {
				t.Errorf("seccheck exits %d: argument %q not passed; got %q", tc.seccheck, w, args)
			}
		}
	}
}

// The merge script refuses an incomplete set of partials and otherwise passes every part to
// seccheck merge, returning its exit code (the verdict) unchanged.
func TestMergeScript(t *testing.T) {
	m := load(t)
	c := &m.jobs["seccheck-merge"].Spec.Template.Spec.Containers[0]
	sh := script(t, "job seccheck-merge", c)
	n := shardCount(t, m.jobs["seccheck-shards"])
	env := map[string]string{"SHARDS": strconv.Itoa(n)}
	withParts := func(k int) string {
		dir := t.TempDir()
		for i := range k {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d.bin", i)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, tc := range []struct {
		name           string
		parts, verdict int
		want           int
		merged         bool
	}{
		{"no parts", 0, 0, 2, false},
		{"one shard missing", n - 1, 0, 2, false},
		{"one part too many", n + 1, 0, 2, false},
		{"all parts, pass", n, 0, 0, true},
		{"all parts, fail", n, 1, 1, true},
		{"all parts, bad input", n, 2, 2, true},
	} {
		dir := withParts(tc.parts)
		code, args, stderr := runScript(t, sh, dir, tc.verdict, env)
		if code != tc.want {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tc.name, code, tc.want, stderr)
		}
		if (args != "") != tc.merged {
			t.Errorf("%s: seccheck merge ran: %v, want %v (args %q)", tc.name, args != "", tc.merged, args)
		}
		if !tc.merged && stderr == "" {
			t.Errorf("%s: refused without saying why", tc.name)
		}
		if tc.merged {
			got := strings.Split(strings.TrimSpace(args), "\n")
			for i := range n {
				if p := filepath.Join(dir, fmt.Sprintf("part-%d.bin", i)); !slices.Contains(got, p) {
					t.Errorf("%s: %s not passed to merge: %q", tc.name, p, got)
				}
			}
			if got[0] != "merge" {
				t.Errorf("%s: want `seccheck merge …`, got %q", tc.name, got)
			}
		}
	}
}
