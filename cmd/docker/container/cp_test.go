package container

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// fakeCp is a container holding /tmp (a folder), /etc/hostname (a file
// with "box\n") and /link (-> /etc/hostname); PutArchive keeps what it
// is sent.
type fakeCp struct {
	put    bytes.Buffer
	putDir string
}

func (f *fakeCp) StatPath(ref, p string) (mobycontainer.PathStat, error) {
	if ref != "c1" {
		return mobycontainer.PathStat{}, engine.Missing(errNotHere)
	}
	switch p {
	case "/tmp", "/tmp/":
		return mobycontainer.PathStat{Name: "tmp", Mode: fs.ModeDir | 0o777}, nil
	case "/etc/hostname":
		return mobycontainer.PathStat{Name: "hostname", Size: 4, Mode: 0o644}, nil
	case "/link":
		return mobycontainer.PathStat{Name: "link", Mode: fs.ModeSymlink | 0o777, LinkTarget: "/etc/hostname"}, nil
	}
	return mobycontainer.PathStat{}, engine.Missing(errNotHere)
}

func (f *fakeCp) ArchivePath(ref, p string) (io.ReadCloser, mobycontainer.PathStat, error) {
	st, err := f.StatPath(ref, p)
	if err != nil {
		return nil, st, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: st.Name, Mode: 0o644, ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Size: 4}
	if st.Mode&fs.ModeSymlink != 0 {
		hdr = &tar.Header{Name: st.Name, Mode: 0o777, ModTime: time.Unix(0, 0), Typeflag: tar.TypeSymlink, Linkname: st.LinkTarget}
	}
	tw.WriteHeader(hdr)
	if hdr.Typeflag == tar.TypeReg {
		tw.Write([]byte("box\n"))
	}
	tw.Close()
	return io.NopCloser(&buf), st, nil
}

func (f *fakeCp) PutArchive(ref string, r io.Reader, dir string, copyUIDGID bool) error {
	if ref != "c1" {
		return engine.Missing(errNotHere)
	}
	f.putDir = dir
	_, err := io.Copy(&f.put, r)
	return err
}

func TestCpAgainstFake(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("hostfile", []byte("hello\n"), 0o644)
	tests := []struct {
		name       string
		args       []string
		wantErrOut string
		wantErr    string
		wantPut    string // the folder PutArchive was given
		wantFile   string // a local file and its content, "name=content"
	}{
		{name: "quiet without a terminal", args: []string{"c1:/etc/hostname", "out"}, wantFile: "out=box\n"},
		{name: "summary with -q=false", args: []string{"-q=false", "c1:/etc/hostname", "out"},
			wantErrOut: "Successfully copied 2.05kB to " + filepath.Join(dir, "out") + "\n", wantFile: "out=box\n"},
		{name: "symlink copied as itself", args: []string{"c1:/link", "ln"}, wantFile: "ln->/etc/hostname"},
		{name: "-L follows the symlink", args: []string{"-L", "c1:/link", "ln"}, wantFile: "ln=box\n"},
		{name: "into a folder", args: []string{"-q=false", "hostfile", "c1:/tmp/"},
			wantErrOut: "Successfully copied 2.05kB to c1:/tmp/\n", wantPut: "/tmp/"},
		{name: "a new name", args: []string{"hostfile", "c1:/tmp/new"}, wantPut: "/tmp"},
		{name: "summary even when the daemon refuses", args: []string{"-q=false", "hostfile", "nosuch:/tmp"},
			wantErrOut: "Successfully copied 0B to nosuch:/tmp\n", wantErr: "Error response from daemon: not in the fake"},
		{name: "between containers", args: []string{"c1:/a", "c2:/b"}, wantErr: "copying between containers is not supported"},
		{name: "no container", args: []string{"a", "b"}, wantErr: "must specify at least one container source"},
		{name: "./ is local", args: []string{"./x:y", "z"}, wantErr: "must specify at least one container source"},
		{name: "empty source", args: []string{"", "c1:/tmp"}, wantErr: "source can not be empty"},
		{name: "empty destination", args: []string{"c1:/tmp", ""}, wantErr: "destination can not be empty"},
		{name: "missing source", args: []string{"nosuchfile", "c1:/tmp"}, wantErr: "lstat " + filepath.Join(dir, "nosuchfile") + ": no such file or directory"},
		{name: "missing local folder", args: []string{"c1:/etc/hostname", "nodir/x"}, wantErr: `invalid output path: directory "` + filepath.Join(dir, "nodir") + `" does not exist`},
		{name: "device output", args: []string{"c1:/etc/hostname", "/dev/null"}, wantErr: `invalid output path: "/dev/null" must be a directory or a regular file: got a device`},
		{name: "missing file in the container", args: []string{"c1:/nosuch", "out"}, wantErr: "Error response from daemon: not in the fake"},
		{name: "stdin into a file", args: []string{"-", "c1:/etc/hostname"}, wantErr: `destination "c1:/etc/hostname" must be a directory`},
		{name: "stdin into nothing", args: []string{"-", "c1:/nodir"}, wantErr: `destination "c1:/nodir" must be a directory`},
		{name: "a folder onto a file", args: []string{".", "c1:/etc/hostname"}, wantErr: "cannot copy directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.RemoveAll("out")
			os.RemoveAll("ln")
			fake := &fakeCp{}
			_, errOut, err := execute(func(f *factory.Factory) *cobra.Command {
				return NewCmdCp(f, func(o *CpOptions) error {
					o.Engine = func(context.Context) (CpEngine, error) { return fake, nil }
					return cpRun(context.Background(), o)
				})
			}, tt.args...)
			if got := errString(err); got != tt.wantErr {
				t.Errorf("cp %q error = %q, want %q", tt.args, got, tt.wantErr)
			}
			if errOut != tt.wantErrOut {
				t.Errorf("cp %q stderr = %q, want %q", tt.args, errOut, tt.wantErrOut)
			}
			if fake.putDir != tt.wantPut {
				t.Errorf("cp %q extracted into %q, want %q", tt.args, fake.putDir, tt.wantPut)
			}
			if name, content, ok := strings.Cut(tt.wantFile, "="); ok {
				if got, err := os.ReadFile(name); string(got) != content {
					t.Errorf("cp %q wrote %q (%v), want %q", tt.args, got, err, content)
				}
			}
			if name, target, ok := strings.Cut(tt.wantFile, "->"); ok {
				if got, err := os.Readlink(name); got != target {
					t.Errorf("cp %q made link %q (%v), want -> %q", tt.args, got, err, target)
				}
			}
		})
	}
}

func TestCpFlags(t *testing.T) {
	tests := []struct {
		args []string
		want CpOptions
	}{
		{[]string{"c1:/a", "b"}, CpOptions{Source: "c1:/a", Destination: "b", Quiet: true}},
		{[]string{"-q=false", "-a", "-L", "a", "c1:/b"}, CpOptions{Source: "a", Destination: "c1:/b", CopyUIDGID: true, FollowLink: true}},
		{[]string{"--quiet", "--archive", "--follow-link", "a", "c1:/b"}, CpOptions{Source: "a", Destination: "c1:/b", CopyUIDGID: true, FollowLink: true, Quiet: true}},
	}
	for _, tt := range tests {
		var got CpOptions
		_, _, err := execute(func(f *factory.Factory) *cobra.Command {
			return NewCmdCp(f, func(o *CpOptions) error { got = *o; return nil })
		}, tt.args...)
		got.IO, got.Engine = nil, nil
		if err != nil || got.Source != tt.want.Source || got.Destination != tt.want.Destination ||
			got.CopyUIDGID != tt.want.CopyUIDGID || got.FollowLink != tt.want.FollowLink || got.Quiet != tt.want.Quiet {
			t.Errorf("cp %q = %+v (%v), want %+v", tt.args, got, err, tt.want)
		}
	}
}

func TestProgressHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 1536: "1.54kB", 2048: "2.05kB", 4608: "4.61kB", 10 << 20: "10.5MB"} {
		if got := progressHumanSize(n); got != want {
			t.Errorf("progressHumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
