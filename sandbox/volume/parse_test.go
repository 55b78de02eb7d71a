package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseVolume(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec    string
		want    Spec
		wantErr string
	}{
		{"/data", Spec{Type: TypeVolume, Target: "/data"}, ""},
		{"pgdata:/var/lib/postgresql/data", Spec{Type: TypeVolume, Source: "pgdata", Target: "/var/lib/postgresql/data"}, ""},
		{"pgdata:/data:nocopy", Spec{Type: TypeVolume, Source: "pgdata", Target: "/data", NoCopy: true}, ""},
		{"/srv/pg:/var/lib/postgresql/data:z", Spec{Type: TypeBind, Source: "/srv/pg", Target: "/var/lib/postgresql/data", CreateSource: true, Relabel: "z"}, ""},
		{"/srv/www/:/usr/share/nginx/html:ro,Z", Spec{Type: TypeBind, Source: "/srv/www", Target: "/usr/share/nginx/html", ReadOnly: true, CreateSource: true, Relabel: "Z"}, ""},
		{"/a:/b:rw,rshared", Spec{Type: TypeBind, Source: "/a", Target: "/b", CreateSource: true, Propagation: "rshared"}, ""},
		// Relative to the current folder with a leading dot, as Docker 23+.
		{"./data:/data", Spec{Type: TypeBind, Source: filepath.Join(cwd, "data"), Target: "/data", CreateSource: true}, ""},
		{"./site/:/usr/share/nginx/html:ro", Spec{Type: TypeBind, Source: filepath.Join(cwd, "site"), Target: "/usr/share/nginx/html", ReadOnly: true, CreateSource: true}, ""},
		{".:/src", Spec{Type: TypeBind, Source: cwd, Target: "/src", CreateSource: true}, ""},
		{"../up:/up", Spec{Type: TypeBind, Source: filepath.Join(filepath.Dir(cwd), "up"), Target: "/up", CreateSource: true}, ""},
		{"data/x:/data", Spec{}, `relative path: start it with ./ ("./data/x")`},
		{".data:/data", Spec{}, "relative path"},
		{"vol:data", Spec{}, "must be absolute"},
		{"vol:/", Spec{}, "cannot mount over /"},
		// Found by QA: these failed at start with runc's long error.
		{"vol:/proc", Spec{}, "cannot mount on /proc in the container: /proc is the kernel's process file system"},
		{"vol:/proc/sys/", Spec{}, "cannot mount on /proc/sys in the container"},
		{"/tmp:/dev/../proc", Spec{}, "cannot mount on /proc in the container"},
		{"vol:/dev", Spec{}, "cannot mount over /dev in the container"},
		// The mode words as Docker's daemon reads them: its words first.
		{"vol:/data:rx", Spec{}, `invalid mode: rx ("rx" is not one of ro, rw`},
		{"/a:/b:nocopy", Spec{}, `invalid mode: nocopy (nocopy is for a volume, not a host folder)`},
		{"vol:/b:rshared", Spec{}, `invalid mode: rshared (rshared is for a host folder, not a volume)`},
		{"/tmp:/b:ro,rw", Spec{}, `invalid mode: ro,rw (ro and rw: give one; e.g. -v /host/dir:/path:ro)`},
		{"/tmp:/b:z,Z", Spec{}, `invalid mode: z,Z (z and Z: give one`},
		{"/a:/b:ro,", Spec{}, `invalid mode: ro, ("" is not one of`},
		{"/a:/b:ro,cached", Spec{Type: TypeBind, Source: "/a", Target: "/b", ReadOnly: true, CreateSource: true}, ""},
		{"a:b:c:d", Spec{}, "too many colons"},
		{":/data", Spec{}, "empty source"},
		{"x:/data", Spec{}, "invalid characters"},
		// Found by QA: "read volume aaa...: file name too long".
		{strings.Repeat("a", 256) + ":/data", Spec{}, "is 256 characters long: use at most 255"},
		{"", Spec{}, "no path inside the container"},
	}
	for _, tt := range tests {
		got, err := ParseVolume(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseVolume(%q) error = %v, want it to mention %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseVolume(%q) = %+v, %v, want %+v", tt.spec, got, err, tt.want)
		}
	}
}

func TestParseMount(t *testing.T) {
	tests := []struct {
		spec    string
		want    Spec
		wantErr string
	}{
		{"type=bind,source=/srv,target=/srv,readonly", Spec{Type: TypeBind, Source: "/srv", Target: "/srv", ReadOnly: true}, ""},
		{"type=volume,src=data,dst=/data,volume-nocopy", Spec{Type: TypeVolume, Source: "data", Target: "/data", NoCopy: true}, ""},
		{"target=/cache", Spec{Type: TypeVolume, Target: "/cache"}, ""},
		{"type=tmpfs,destination=/run,tmpfs-size=64m,tmpfs-mode=1770", Spec{Type: TypeTmpfs, Target: "/run", TmpfsSize: 64 << 20, TmpfsMode: 0o1770}, ""},
		{"type=bind,src=/a,dst=/b,ro=false,bind-propagation=rslave", Spec{Type: TypeBind, Source: "/a", Target: "/b", Propagation: "rslave"}, ""},
		{"type=nfs,target=/x", Spec{}, `type "nfs" is not bind, volume or tmpfs`},
		{"type=bind,target=/x", Spec{}, "needs source=/host/path"},
		// Found by QA: a bind error gave a volume example; "" said "EOF".
		{"type=bind,source=rel,target=/x", Spec{}, `bind source "rel" must be an absolute path (e.g. --mount type=bind,source=/host/dir,target=/data)`},
		{"type=tmpfs,target=/d,tmpfs-mode=abc", Spec{}, "(e.g. --mount type=tmpfs,target=/scratch)"},
		{"", Spec{}, `invalid --mount "": the value is empty (e.g. --mount type=volume,source=data,target=/data)`},
		{"type=tmpfs,source=x,target=/x", Spec{}, "takes no source"},
		{"type=volume,source=data", Spec{}, "no path inside the container"},
		{"type=volume,source=data,target=/d,readonly=maybe", Spec{}, "not true or false"},
		{"type=volume,target=/d,tmpfs-size=1m", Spec{}, "only for type=tmpfs"},
		{"type=tmpfs,target=/d,tmpfs-size=lots", Spec{}, "not a size"},
		{"type=bind,source=/a,target=/b,color=blue", Spec{}, `unknown field "color"`},
		{"type,target=/b", Spec{}, `field "type" needs a value`},
	}
	for _, tt := range tests {
		got, err := ParseMount(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseMount(%q) error = %v, want it to mention %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseMount(%q) = %+v, %v, want %+v", tt.spec, got, err, tt.want)
		}
	}
}

func TestTmpfsMount(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "/tmp", want: "type=tmpfs,target=/tmp"},
		{in: "/run:rw,noexec,nosuid,size=64m,mode=1777", want: "type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1777"},
		{in: "/cache:ro", want: "type=tmpfs,target=/cache,readonly"},
		{in: "tmp", err: `invalid --tmpfs "tmp": path inside the container "tmp" must be absolute`},
		{in: "/tmp:exec", err: `invalid --tmpfs "/tmp:exec": option "exec" is not supported (use size=, mode=, ro or rw)`},
		{in: "/tmp:size=lots", err: `invalid --mount "type=tmpfs,target=/tmp,tmpfs-size=lots": tmpfs-size "lots" is not a size such as 64m (e.g. --mount type=tmpfs,target=/scratch)`},
	} {
		got, err := TmpfsMount(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("TmpfsMount(%q) = %q, %v, want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("TmpfsMount(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
		if _, err := ParseMount(got); err != nil {
			t.Errorf("ParseMount(TmpfsMount(%q)) = %v", tc.in, err)
		}
	}
}
