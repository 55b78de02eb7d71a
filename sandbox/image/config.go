package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ConfigFile is the engine's registry settings file under the state root,
// named and shaped like Docker's /etc/docker/daemon.json.
const ConfigFile = "daemon.json"

// MirrorEnv names registry mirrors for Docker Hub, comma-separated.
const MirrorEnv = "DOCKYARD_REGISTRY_MIRROR"

// RegistryConfig holds the registry settings pulls use.
type RegistryConfig struct {
	// Mirrors are tried, in order, before Docker Hub for docker.io images:
	// "http://127.0.0.1:5000" or "mirror.example:5000" (https).
	Mirrors []string `json:"registry-mirrors,omitempty"`
	// Insecure registries are reached over plain HTTP; loopback ones always are.
	Insecure []string `json:"insecure-registries,omitempty"`
}

// LoadRegistryConfig reads <root>/daemon.json (missing is empty) and adds
// the mirrors in $DOCKYARD_REGISTRY_MIRROR in front of the file's.
func LoadRegistryConfig(root string) (RegistryConfig, error) {
	var c RegistryConfig
	p := filepath.Join(root, ConfigFile)
	b, err := os.ReadFile(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return c, fmt.Errorf("read %s: %w", p, err)
	default:
		if err := json.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("read %s: %w (fix the JSON or remove the file)", p, err)
		}
	}
	if env := os.Getenv(MirrorEnv); env != "" {
		var m []string
		for _, s := range strings.Split(env, ",") {
			if s = strings.TrimSpace(s); s != "" {
				m = append(m, s)
			}
		}
		c.Mirrors = append(m, c.Mirrors...)
	}
	return c, nil
}
