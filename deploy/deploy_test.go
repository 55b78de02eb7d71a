// Package deploy holds the manifests for running Dockyard in a classroom
// (classroom.yaml); its test checks them against the parts of the
// Kubernetes schema a cluster would refuse them for, since no cluster
// runs in CI.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

type manifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Selector    map[string]any `yaml:"selector"`
		ServiceName string         `yaml:"serviceName"`
		Template    struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []container `yaml:"containers"`
				Volumes    []struct {
					Name string `yaml:"name"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		} `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

type container struct {
	Name            string `yaml:"name"`
	Image           string `yaml:"image"`
	SecurityContext struct {
		Privileged bool `yaml:"privileged"`
	} `yaml:"securityContext"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

func TestClassroomManifest(t *testing.T) {
	b, err := os.ReadFile("classroom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []manifest
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("classroom.yaml: %v", err)
		}
		docs = append(docs, m)
	}
	services := map[string]bool{}
	var sts *manifest
	for i, m := range docs {
		if m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "" {
			t.Errorf("document %d lacks apiVersion, kind or metadata.name", i)
		}
		switch m.Kind {
		case "Service":
			services[m.Metadata.Name] = true
		case "StatefulSet":
			sts = &docs[i]
		}
	}
	if sts == nil {
		t.Fatal("classroom.yaml has no StatefulSet")
	}
	if sts.APIVersion != "apps/v1" || !services[sts.Spec.ServiceName] {
		t.Errorf("StatefulSet: apiVersion %q, serviceName %q; want apps/v1 and a Service of that name", sts.APIVersion, sts.Spec.ServiceName)
	}
	match, _ := sts.Spec.Selector["matchLabels"].(map[string]any)
	for k, v := range match {
		if sts.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("selector %s=%v does not match the pod template's labels %v", k, v, sts.Spec.Template.Metadata.Labels)
		}
	}
	volumes := map[string]bool{}
	for _, v := range sts.Spec.Template.Spec.Volumes {
		volumes[v.Name] = true
	}
	for _, v := range sts.Spec.VolumeClaimTemplates {
		volumes[v.Metadata.Name] = true
	}
	stateOnVolume := false
	for _, c := range sts.Spec.Template.Spec.Containers {
		if c.Image == "" {
			t.Errorf("container %s has no image", c.Name)
		}
		if c.Resources.Limits["cpu"] == "" || c.Resources.Limits["memory"] == "" {
			t.Errorf("container %s has no cpu and memory limits", c.Name)
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				t.Errorf("container %s mounts %q, which no volume or claim names", c.Name, m.Name)
			}
			if c.Name == "dockyard" && m.MountPath == "/var/lib/dockyard" {
				stateOnVolume = true
			}
		}
		if c.Name == "dockyard" && !c.SecurityContext.Privileged {
			t.Errorf("the dockyard container is not privileged: its engine cannot make containers")
		}
	}
	if !stateOnVolume {
		t.Errorf("the dockyard container's state root /var/lib/dockyard is not on a volume (overlayfs cannot use the container's root)")
	}
}
