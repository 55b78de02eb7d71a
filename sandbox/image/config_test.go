package image_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

func TestLoadRegistryConfig(t *testing.T) {
	root := t.TempDir()
	t.Setenv(image.MirrorEnv, "")
	c, err := image.LoadRegistryConfig(root)
	if err != nil || len(c.Mirrors) != 0 {
		t.Fatalf("LoadRegistryConfig without a file = %+v, %v, want empty", c, err)
	}

	os.WriteFile(filepath.Join(root, image.ConfigFile), []byte(`{"registry-mirrors": ["http://127.0.0.1:5000"], "insecure-registries": ["reg.lab:5000"]}`), 0o644)
	t.Setenv(image.MirrorEnv, " http://127.0.0.1:6000 , 127.0.0.1:7000,")
	c, err = image.LoadRegistryConfig(root)
	if err != nil {
		t.Fatal(err)
	}
	// The environment comes before the file.
	if want := []string{"http://127.0.0.1:6000", "127.0.0.1:7000", "http://127.0.0.1:5000"}; !slices.Equal(c.Mirrors, want) {
		t.Errorf("Mirrors = %q, want %q", c.Mirrors, want)
	}
	if !slices.Equal(c.Insecure, []string{"reg.lab:5000"}) {
		t.Errorf("Insecure = %q", c.Insecure)
	}

	os.WriteFile(filepath.Join(root, image.ConfigFile), []byte(`{"registry-mirrors": [`), 0o644)
	if _, err := image.LoadRegistryConfig(root); err == nil || !strings.Contains(err.Error(), "fix the JSON or remove the file") {
		t.Errorf("LoadRegistryConfig of broken JSON = %v, want an error naming the fix", err)
	}
}
