package scope_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/scope"
)

func TestWriteReadClear(t *testing.T) {
	root := t.TempDir()
	if got := scope.Read(root); got != (scope.Scope{}) {
		t.Fatalf("Read(empty root) = %+v, want the zero Scope", got)
	}
	want := scope.Scope{Lesson: "containers", Step: "first-run", Entered: time.Unix(1700000000, 0).UTC()}
	if err := scope.Write(root, want); err != nil {
		t.Fatal(err)
	}
	if got := scope.Read(root); got != want {
		t.Fatalf("Read = %+v, want %+v", got, want)
	}
	if err := scope.Clear(root); err != nil {
		t.Fatal(err)
	}
	if err := scope.Clear(root); err != nil {
		t.Fatalf("Clear twice: %v", err)
	}
	if got := scope.Read(root); got != (scope.Scope{}) {
		t.Fatalf("Read after Clear = %+v, want the zero Scope", got)
	}
}

func TestDamagedFileIsNoScope(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, scope.FileName), []byte("{half"), 0o644)
	if got := scope.Read(root); got != (scope.Scope{}) {
		t.Fatalf("Read(damaged) = %+v, want the zero Scope", got)
	}
}

func TestApplyKeepsUserLabels(t *testing.T) {
	s := scope.Scope{Lesson: "containers", Step: "kill"}
	got := s.Apply(map[string]string{"dockyard.step": "mine", "app": "web"})
	want := map[string]string{"dockyard.step": "mine", "dockyard.lesson": "containers", "app": "web"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Apply = %v, want %v", got, want)
	}
	if got := (scope.Scope{}).Apply(nil); got != nil {
		t.Fatalf("empty scope Apply(nil) = %v, want nil", got)
	}
	if got := s.Apply(nil)[scope.StepLabel]; got != "containers/kill" {
		t.Fatalf("step label = %q, want containers/kill", got)
	}
}

func TestSetupLabel(t *testing.T) {
	s := scope.Scope{Lesson: "compose", Step: "change", Setup: true}
	want := map[string]string{"dockyard.lesson": "compose", "dockyard.step": "compose/change", "dockyard.setup": "compose/change"}
	if got := s.Labels(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Labels() during setup = %v, want %v", got, want)
	}
	s.Setup = false
	if got := s.Labels(); got[scope.SetupLabel] != "" {
		t.Fatalf("Labels() after setup = %v, want no %s", got, scope.SetupLabel)
	}
	root := t.TempDir()
	s.Setup = true
	if err := scope.Write(root, s); err != nil {
		t.Fatal(err)
	}
	if got := scope.Read(root); !got.Setup {
		t.Fatalf("Read = %+v, want Setup kept", got)
	}
}
