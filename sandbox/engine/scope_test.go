package engine

import (
	"context"
	"os"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// What is created while a lesson step is active carries the step's labels;
// RemoveLabelled removes what one step made and leaves the rest: another
// step's objects, and what was made with no lesson active.
func TestLessonLabelsAndRemoveLabelled(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	root := t.TempDir()
	e, err := Open(ctx, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.images.Write(ctx, imagetest.Busybox(t), "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	create := func(name string, labels map[string]string) {
		t.Helper()
		if _, _, err := e.CreateContainer(ctx, CreateOptions{Image: "busybox", Name: name, Network: "none", Labels: labels}); err != nil {
			t.Fatalf("create container %s: %v", name, err)
		}
		if _, err := e.CreateVolume(ctx, volume.CreateOptions{Name: name + "-data"}); err != nil {
			t.Fatalf("create volume %s-data: %v", name, err)
		}
	}

	create("outside", nil)
	if err := scope.Write(root, scope.Scope{Lesson: "intro", Step: "first"}); err != nil {
		t.Fatal(err)
	}
	create("intro-box", nil)
	if err := scope.Write(root, scope.Scope{Lesson: "containers", Step: "first-run"}); err != nil {
		t.Fatal(err)
	}
	create("mine", map[string]string{"owner": "student"})
	create("theirs", map[string]string{scope.StepLabel: "custom"})
	built, err := buildImages{e: e, scoped: true}.Write(ctx, imagetest.Busybox(t), "myapp:1")
	if err != nil {
		t.Fatal(err)
	}
	baked, err := buildImages{e: e}.Write(ctx, imagetest.Busybox(t), "lesson-image:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := scope.Clear(root); err != nil {
		t.Fatal(err)
	}

	c, err := e.containers.Get("mine")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Spec.Config.Labels; got[scope.StepLabel] != "containers/first-run" || got[scope.LessonLabel] != "containers" || got["owner"] != "student" {
		t.Errorf("labels of a container made in containers/first-run = %v, want the step's and the student's", got)
	}
	if c, _ := e.containers.Get("theirs"); c.Spec.Config.Labels[scope.StepLabel] != "custom" {
		t.Errorf("a label the student set was overridden: %v", c.Spec.Config.Labels)
	}
	if img, _ := e.images.Get(ctx, built); img.Config.Config.Labels[scope.StepLabel] != "containers/first-run" {
		t.Errorf("labels of an image built in containers/first-run = %v", img.Config.Config.Labels)
	}
	if img, _ := e.images.Get(ctx, baked); img.Config.Config.Labels[scope.StepLabel] != "" {
		t.Errorf("a baked lesson image got the step's labels: %v", img.Config.Config.Labels)
	}

	r, err := e.RemoveLabelled(ctx, scope.StepLabel, "containers/first-run")
	if err != nil {
		t.Fatalf("RemoveLabelled: %v", err)
	}
	if want := (Removed{Containers: 1, Volumes: 2, Images: 1}); r != want {
		t.Errorf("RemoveLabelled = %+v, want %+v", r, want)
	}
	for _, name := range []string{"outside", "intro-box", "theirs"} {
		if _, err := e.containers.Get(name); err != nil {
			t.Errorf("container %s is gone after resetting containers/first-run: %v", name, err)
		}
	}
	if _, err := e.containers.Get("mine"); err == nil {
		t.Error("container mine, made in containers/first-run, is still there")
	}
	vs, _ := e.volumes()
	for name, want := range map[string]bool{"outside-data": true, "intro-box-data": true, "mine-data": false, "theirs-data": false} {
		if _, err := vs.Inspect(ctx, name); (err == nil) != want {
			t.Errorf("volume %s there = %v, want %v", name, err == nil, want)
		}
	}
	if _, err := e.images.Get(ctx, "myapp:1"); err == nil {
		t.Error("image myapp:1, built in containers/first-run, is still there")
	}
	for _, ref := range []string{"busybox:latest", "lesson-image:1"} {
		if _, err := e.images.Get(ctx, ref); err != nil {
			t.Errorf("image %s is gone: %v", ref, err)
		}
	}

	r, err = e.RemoveLabelled(ctx, scope.LessonLabel, "intro")
	if err != nil || r.Containers != 1 {
		t.Errorf("RemoveLabelled(lesson intro) = %+v, %v, want one container", r, err)
	}
	if _, err := e.containers.Get("outside"); err != nil {
		t.Errorf("container outside, made with no lesson active, is gone: %v", err)
	}
}
