// Package deploy holds the manifests for running Dockyard in a classroom
// (classroom.yaml) and their tests: the manifest decoded strictly into the
// Kubernetes API types and checked for what a cluster or a class would
// trip on (no cluster runs in CI), and Dockyard's container image built
// and run in a privileged podman container with a volume.
//
// It is a module of its own so that the engine's build never loads the
// Kubernetes API modules.
package deploy

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// stateRoot is where Dockyard keeps its engine state (the Dockerfile's
// VOLUME); it must be on a volume, not the container's overlay root.
const stateRoot = "/var/lib/dockyard"

// classroom is the manifest's documents, decoded strictly into the
// Kubernetes API types: an unknown or misspelt field, a wrong type or a
// bad quantity fails the decoding, as the API server would refuse it.
type classroom struct {
	services     []*corev1.Service
	statefulSets []*appsv1.StatefulSet
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

func decodeManifest(b []byte) (*classroom, error) {
	var c classroom
	for i, doc := range docSep.Split(string(b), -1) {
		if len(bytes.TrimSpace([]byte(doc))) == 0 {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		var obj any
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 Service":
			s := &corev1.Service{}
			c.services, obj = append(c.services, s), s
		case "apps/v1 StatefulSet":
			s := &appsv1.StatefulSet{}
			c.statefulSets, obj = append(c.statefulSets, s), s
		default:
			return nil, fmt.Errorf("document %d: unexpected %s %q", i+1, tm.APIVersion, tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i+1, tm.Kind, err)
		}
	}
	return &c, nil
}

// check returns every problem a cluster (or the classroom) would have
// with the manifest, not just the first.
func (c *classroom) check() []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	dns := func(what, name string) {
		for _, msg := range validation.IsDNS1123Label(name) {
			bad("%s %q: %s", what, name, msg)
		}
	}
	services := map[string]*corev1.Service{}
	for _, s := range c.services {
		dns("service", s.Name)
		services[s.Name] = s
	}
	if len(c.statefulSets) != 1 {
		bad("%d StatefulSets, want one (a pod per student)", len(c.statefulSets))
		return problems
	}
	sts := c.statefulSets[0]
	dns("statefulset", sts.Name)
	svc := services[sts.Spec.ServiceName]
	if svc == nil {
		bad("statefulset serviceName %q names no Service in the manifest", sts.Spec.ServiceName)
	} else if svc.Spec.ClusterIP != corev1.ClusterIPNone {
		bad("service %q is not headless (clusterIP: None), as a StatefulSet's governing service must be", svc.Name)
	}
	if sts.Spec.Selector == nil {
		bad("statefulset has no selector")
	} else if sel, err := metav1.LabelSelectorAsSelector(sts.Spec.Selector); err != nil {
		bad("statefulset selector: %v", err)
	} else if !sel.Matches(labels.Set(sts.Spec.Template.Labels)) {
		bad("statefulset selector %s does not match the pod template's labels %v", sel, sts.Spec.Template.Labels)
	} else if svc != nil && !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(sts.Spec.Template.Labels)) {
		bad("service %q selector %v does not match the pod template's labels %v", svc.Name, svc.Spec.Selector, sts.Spec.Template.Labels)
	}

	volumes := map[string]bool{}
	for _, v := range sts.Spec.Template.Spec.Volumes {
		dns("volume", v.Name)
		volumes[v.Name] = true
	}
	for _, pvc := range sts.Spec.VolumeClaimTemplates {
		dns("volume claim template", pvc.Name)
		if volumes[pvc.Name] {
			bad("volume claim template %q has the name of a pod volume", pvc.Name)
		}
		volumes[pvc.Name] = true
		if _, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
			bad("volume claim template %q requests no storage", pvc.Name)
		}
		if len(pvc.Spec.AccessModes) == 0 {
			bad("volume claim template %q has no access mode", pvc.Name)
		}
	}

	pod := sts.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		bad("the pod template has no container")
	}
	stateOnVolume := false
	var engine *corev1.Container
	for i := range pod.Containers {
		ctr := &pod.Containers[i]
		dns("container", ctr.Name)
		if ctr.Name == "dockyard" {
			engine = ctr
		}
		if ctr.Image == "" {
			bad("container %s has no image", ctr.Name)
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			limit, ok := ctr.Resources.Limits[r]
			if !ok {
				bad("container %s has no %s limit", ctr.Name, r)
				continue
			}
			if req, ok := ctr.Resources.Requests[r]; ok && req.Cmp(limit) > 0 {
				bad("container %s requests more %s (%s) than its limit (%s)", ctr.Name, r, req.String(), limit.String())
			}
		}
		mounts := map[string]bool{}
		for _, m := range ctr.VolumeMounts {
			if !volumes[m.Name] {
				bad("container %s mounts %q, which no volume or claim template names", ctr.Name, m.Name)
			}
			if mounts[m.MountPath] {
				bad("container %s mounts two volumes at %s", ctr.Name, m.MountPath)
			}
			mounts[m.MountPath] = true
			if m.MountPath == stateRoot && ctr == engine {
				stateOnVolume = true
			}
		}
	}
	switch {
	case engine == nil:
		bad("no container named dockyard")
	default:
		if engine.SecurityContext == nil || engine.SecurityContext.Privileged == nil || !*engine.SecurityContext.Privileged {
			bad("the dockyard container is not privileged: its engine cannot make containers")
		}
		if !stateOnVolume {
			bad("the dockyard container's state root %s is not on a volume (overlayfs cannot use the container's root)", stateRoot)
		}
	}
	return problems
}

func TestClassroomManifest(t *testing.T) {
	b, err := os.ReadFile("classroom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := decodeManifest(b)
	if err != nil {
		t.Fatalf("classroom.yaml: %v", err)
	}
	for _, p := range c.check() {
		t.Errorf("classroom.yaml: %s", p)
	}
}

// The check must catch what a cluster would refuse or what would break a
// classroom, or its passing says nothing.
func TestClassroomManifestCatches(t *testing.T) {
	good, err := os.ReadFile("classroom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		want           string // in the decode error or a problem
	}{
		{"misspelt field", "imagePullPolicy:", "imagePullPolicyy:", `unknown field "imagePullPolicyy"`},
		{"bad quantity", "memory: 3Gi", "memory: 3 GB", "quantities must match"},
		{"wrong type", "replicas: 2", "replicas: two", "cannot unmarshal"},
		{"not privileged", "privileged: true", "privileged: false", "not privileged"},
		{"no state volume", "mountPath: /var/lib/dockyard", "mountPath: /var/lib/dockyard-state", "not on a volume"},
		{"unknown volume", "- name: reports\n              mountPath: /reports", "- name: report\n              mountPath: /reports", `mounts "report"`},
		{"selector mismatch", "matchLabels:\n      app.kubernetes.io/name: dockyard", "matchLabels:\n      app.kubernetes.io/name: dockyards", "does not match"},
		{"request over limit", "cpu: 500m", "cpu: \"3\"", "requests more cpu"},
		{"bad name", "- name: collector", "- name: Collector", `container "Collector"`},
		{"not headless", "clusterIP: None", "clusterIP: 10.0.0.1", "not headless"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(tt.old)) {
				t.Fatalf("classroom.yaml has no %q to change", tt.old)
			}
			b := bytes.Replace(good, []byte(tt.old), []byte(tt.new), 1)
			var got []string
			c, err := decodeManifest(b)
			if err != nil {
				got = []string{err.Error()}
			} else {
				got = c.check()
			}
			for _, p := range got {
				if regexp.MustCompile(regexp.QuoteMeta(tt.want)).MatchString(p) {
					return
				}
			}
			t.Errorf("check of classroom.yaml with %q = %q, want a problem with %q", tt.new, got, tt.want)
		})
	}
}
