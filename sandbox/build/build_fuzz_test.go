package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// recordingRunner stands in for the container runner under fuzzing: a
// fuzzed RUN line is recorded, never executed (chroot is no boundary for
// root, and the engine's real runner is tested elsewhere).
type recordingRunner struct{ runs int }

func (r *recordingRunner) Run(ctx context.Context, spec RunSpec) (int, error) {
	r.runs++
	return 0, nil
}

// FuzzBuild builds arbitrary Dockerfiles (parsing, ARG/ENV expansion,
// FROM of earlier stages, COPY and ADD from a small context) on a real
// image store. A build may fail, but within its time, with a message, and
// without touching the files next to its context.
func FuzzBuild(f *testing.F) {
	for _, df := range []string{
		"FROM busybox:test\nARG A=1\nENV B=${A}x C=\"$B y\"\nWORKDIR /w/$B\nCOPY a.txt ./\nLABEL k=$C\nCMD [\"sh\"]\n",
		"ARG BASE=busybox:test\nFROM $BASE AS one\nRUN echo hi\nFROM one\nCOPY --from=one /bin/sh /x\nUSER app\nENTRYPOINT echo\n",
		"FROM scratch\nCOPY . /\nADD sub/ /s/\nENV ${X:-a}=${Y:+b}\n",
		"FROM busybox:test\nCOPY ../outside/secret /\n",
		"FROM busybox:test\nCOPY sub/../../outside/secret /x\n",
		"# escape=`\nFROM busybox:test\nRUN echo `\n  a\n",
		"FROM busybox:test\nARG A=$A$A$A$A\nENV B=$A$A$A$A C=$B$B$B$B\n",
		"FROM busybox:test\nHEALTHCHECK --interval=1s CMD true\nEXPOSE 80/tcp 53/udp\nVOLUME /data\nSTOPSIGNAL SIGTERM\nSHELL [\"/bin/sh\",\"-c\"]\n",
	} {
		f.Add(df)
	}
	fx := newFixture(f)
	runner := &recordingRunner{}
	fx.b.Runner = runner
	f.Fuzz(func(t *testing.T, dockerfile string) {
		base := t.TempDir()
		ctxDir, outside := filepath.Join(base, "context"), filepath.Join(base, "outside")
		for name, body := range map[string]string{
			filepath.Join(ctxDir, "a.txt"):         "a",
			filepath.Join(ctxDir, "sub", "b.txt"):  "b",
			filepath.Join(outside, "secret"):       "secret",
			filepath.Join(ctxDir, ".dockerignore"): "*.tmp\n",
		} {
			os.MkdirAll(filepath.Dir(name), 0o755)
			os.WriteFile(name, []byte(body), 0o644)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := fx.b.Build(ctx, Options{ContextDir: ctxDir, DockerfileData: []byte(dockerfile), Out: &bytes.Buffer{}})
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil && err.Error() == "" {
				t.Errorf("Build(%q) failed with an empty message", dockerfile)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("Build(%q) did not return within 30s", dockerfile)
		}
		ents, _ := os.ReadDir(outside)
		if len(ents) != 1 {
			t.Errorf("Build(%q) changed the folder next to its context: %v", dockerfile, ents)
		}
		if ents, _ := os.ReadDir(base); len(ents) != 2 {
			t.Errorf("Build(%q) wrote next to its context: %d entries", dockerfile, len(ents))
		}
	})
}
