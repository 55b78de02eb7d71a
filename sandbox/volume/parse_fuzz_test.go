package volume

import (
	"fmt"
	"strings"
	"testing"
)

// mountForm writes s back as a --mount value.
func mountForm(s Spec) string {
	parts := []string{"type=" + s.Type, "target=" + s.Target}
	if s.Source != "" {
		parts = append(parts, "source="+s.Source)
	}
	if s.ReadOnly {
		parts = append(parts, "readonly")
	}
	if s.NoCopy {
		parts = append(parts, "volume-nocopy")
	}
	if s.Propagation != "" {
		parts = append(parts, "bind-propagation="+s.Propagation)
	}
	if s.TmpfsSize != 0 {
		parts = append(parts, fmt.Sprintf("tmpfs-size=%d", s.TmpfsSize))
	}
	if s.TmpfsMode != 0 {
		parts = append(parts, fmt.Sprintf("tmpfs-mode=%o", s.TmpfsMode))
	}
	return strings.Join(parts, ",")
}

// checkSpec is what every parsed mount must be: a known type, an
// absolute clean target, a source that fits the type.
func checkSpec(t *testing.T, flag, in string, s Spec) {
	t.Helper()
	if s.Type != TypeBind && s.Type != TypeVolume && s.Type != TypeTmpfs {
		t.Fatalf("%s %q: type %q", flag, in, s.Type)
	}
	if !strings.HasPrefix(s.Target, "/") || s.Target == "/" && s.Type != TypeBind {
		t.Fatalf("%s %q: target %q", flag, in, s.Target)
	}
	if s.Type == TypeBind && !strings.HasPrefix(s.Source, "/") {
		t.Fatalf("%s %q: bind source %q is not absolute", flag, in, s.Source)
	}
	if s.Type == TypeTmpfs && s.Source != "" {
		t.Fatalf("%s %q: tmpfs with source %q", flag, in, s.Source)
	}
}

// roundTrip: a parsed mount written back in --mount form parses to
// itself (what only -v can say, SELinux relabelling and creating a
// missing host folder, aside).
func roundTrip(t *testing.T, flag, in string, s Spec) {
	t.Helper()
	if strings.ContainsAny(s.Source+s.Target, ",=\"\n\r") {
		return // not expressible in the CSV form without quoting
	}
	again := mountForm(s)
	back, err := ParseMount(again)
	want := s
	want.Relabel, want.CreateSource = "", false
	if err != nil || back != want {
		t.Fatalf("%s %q = %+v; written back as --mount %q it parses to %+v, %v", flag, in, s, again, back, err)
	}
}

// FuzzParseMount: any --mount value parses to a sane mount or fails.
func FuzzParseMount(f *testing.F) {
	for _, s := range []string{"type=volume,source=data,target=/data", "type=bind,src=/host,dst=/c,readonly",
		"type=tmpfs,target=/scratch,tmpfs-size=64m,tmpfs-mode=1777", "type=bind,source=/a,target=/b,bind-propagation=rshared",
		"target=/x,volume-nocopy", "type=tmpfs,target=/t,source=x", "type=volume,target=relative", `type=bind,"source=/a,b",target=/c`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseMount(in)
		if err != nil {
			return
		}
		checkSpec(t, "--mount", in, s)
		roundTrip(t, "--mount", in, s)
	})
}

// FuzzParseVolume: any -v value parses to a sane mount or fails, and
// says the same as --mount would.
func FuzzParseVolume(f *testing.F) {
	for _, s := range []string{"data:/data", "/host:/c:ro", "/data", "/a:/b:rw,z", "/a:/b:rshared", "data:/d:nocopy",
		"C:/x", "::", "/a:/b:c:d", "vol:/t:ro,Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseVolume(in)
		if err != nil {
			return
		}
		checkSpec(t, "-v", in, s)
		roundTrip(t, "-v", in, s)
	})
}
