package container

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// NewCmdInspect returns `docker container inspect`: Docker's JSON for each
// container, in an array.
func NewCmdInspect(f *factory.Factory, runF func(refs []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect CONTAINER [CONTAINER...]",
		Short: "Display detailed information on one or more containers",
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args)
			}
			e, err := f.Engine(ctxOr(cmd.Context()))
			if err != nil {
				return err
			}
			var out []any
			failed := false
			for _, ref := range args {
				c, err := e.InspectContainer(ref)
				if err != nil {
					fmt.Fprintln(f.IOStreams.ErrOut, daemonError(err))
					failed = true
					continue
				}
				out = append(out, c)
			}
			if out == nil {
				out = []any{}
			}
			b, err := json.MarshalIndent(out, "", "    ")
			if err != nil {
				return err
			}
			fmt.Fprintln(f.IOStreams.Out, string(b))
			if failed {
				return &factory.StatusError{Code: 1}
			}
			return nil
		},
	}
}
