package container

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// NewCmdTop returns `docker top`: the host's `ps -ef` rows of the
// container's processes, as Docker shows them.
func NewCmdTop(f *factory.Factory, runF func(ref string, psArgs []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "top CONTAINER [ps OPTIONS]",
		Short: "Display the running processes of a container",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args[0], args[1:])
			}
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			pids, err := e.Containers.Processes(args[0])
			if err != nil {
				return cli.DaemonError(err)
			}
			psArgs := args[1:]
			if len(psArgs) == 0 {
				psArgs = []string{"-ef"}
			}
			out, err := exec.Command("ps", psArgs...).Output()
			if err != nil {
				return cli.DaemonError(fmt.Errorf("ps: %w", err))
			}
			table, err := filterPs(out, pids)
			if err != nil {
				return cli.DaemonError(err)
			}
			_, err = f.IOStreams.Out.Write(table)
			return err
		},
	}
}

// filterPs keeps ps's header and the rows whose PID is one of pids.
func filterPs(out []byte, pids []int) ([]byte, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	if !sc.Scan() {
		return nil, fmt.Errorf("ps printed nothing")
	}
	header := sc.Text()
	col := -1
	for i, h := range strings.Fields(header) {
		if h == "PID" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("ps options must include the PID column")
	}
	want := map[int]bool{}
	for _, p := range pids {
		want[p] = true
	}
	var buf bytes.Buffer
	buf.WriteString(header + "\n")
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) <= col {
			continue
		}
		if pid, err := strconv.Atoi(fields[col]); err == nil && want[pid] {
			buf.WriteString(sc.Text() + "\n")
		}
	}
	return buf.Bytes(), nil
}
