package engine

import (
	"fmt"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// openImages opens the image store under the state root. Whether an image
// is in use is the container store's knowledge: the engine wires it in with
// e.Images.SetInUse when the container store is opened.
func (e *Engine) openImages() error {
	s, err := image.Open(e.root)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	e.Images = s
	return nil
}

// RegistryConfig returns the registry settings of this state root
// (<root>/daemon.json and $DOCKYARD_REGISTRY_MIRROR).
func (e *Engine) RegistryConfig() (image.RegistryConfig, error) {
	return image.LoadRegistryConfig(e.root)
}
