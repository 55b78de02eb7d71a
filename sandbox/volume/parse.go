package volume

import (
	"encoding/csv"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/docker/go-units"
)

// Mount types.
const (
	TypeBind   = "bind"
	TypeVolume = "volume"
	TypeTmpfs  = "tmpfs"
)

// Spec is one -v or --mount, parsed but not yet resolved to a host path.
type Spec struct {
	Type string
	// Source is a host path (bind), a volume name (volume; empty for an
	// anonymous volume) or nothing (tmpfs).
	Source   string
	Target   string
	ReadOnly bool
	// NoCopy keeps a new volume empty instead of filling it from the image.
	NoCopy bool
	// CreateSource: -v creates a missing host directory, --mount refuses it
	// (as Docker).
	CreateSource bool
	// Relabel is "z" or "Z" (SELinux relabelling, nothing to do without it).
	Relabel     string
	Propagation string
	TmpfsSize   int64
	TmpfsMode   uint32
}

var propagations = map[string]bool{"private": true, "rprivate": true, "shared": true, "rshared": true, "slave": true, "rslave": true}

// ParseVolume parses a -v/--volume value:
// [source:]target[:opts], where source is an absolute host path or a volume
// name, and opts a comma list of ro, rw, z, Z, nocopy and a propagation.
func ParseVolume(spec string) (Spec, error) {
	bad := func(why string) (Spec, error) {
		return Spec{}, fmt.Errorf("invalid -v %q: %s (use -v /host/dir:/path[:ro] or -v volume-name:/path)", spec, why)
	}
	parts := strings.Split(spec, ":")
	var s Spec
	var opts string
	switch len(parts) {
	case 1:
		s = Spec{Type: TypeVolume, Target: parts[0]}
	case 2:
		s = Spec{Source: parts[0], Target: parts[1]}
	case 3:
		s = Spec{Source: parts[0], Target: parts[1]}
		opts = parts[2]
	default:
		return bad("too many colons")
	}
	if len(parts) > 1 {
		switch {
		case s.Source == "":
			return bad("empty source")
		case strings.HasPrefix(s.Source, "/"):
			s.Type, s.CreateSource = TypeBind, true
			s.Source = path.Clean(s.Source)
		case s.Source == "." || s.Source == ".." || strings.HasPrefix(s.Source, "./") || strings.HasPrefix(s.Source, "../"):
			// A host path relative to the current folder, as Docker's CLI
			// takes since 23.0 ("-v ./site:/usr/share/nginx/html"): the
			// leading dot says it is a path, not a volume name. Docker's CLI
			// resolves it before calling the daemon; here the engine runs in
			// the docker command's process, whose folder is the student's.
			// (Through dockyard serve, a client's relative bind would
			// resolve against the server's folder, where Docker's daemon
			// refuses it; real docker clients send absolute paths.)
			abs, err := filepath.Abs(s.Source)
			if err != nil {
				return bad(fmt.Sprintf("%q: the current folder: %v", s.Source, err))
			}
			s.Type, s.CreateSource, s.Source = TypeBind, true, abs
		case strings.HasPrefix(s.Source, ".") || strings.Contains(s.Source, "/"):
			return bad(fmt.Sprintf("%q is a relative path: start it with ./ (\"./%s\") or give the host directory as an absolute path, e.g. \"$PWD/%s\"", s.Source, s.Source, s.Source))
		default:
			if err := ValidateName(s.Source); err != nil {
				return bad(err.Error())
			}
			s.Type = TypeVolume
		}
	}
	if err := checkTarget(s.Target); err != nil {
		return bad(err.Error())
	}
	s.Target = path.Clean(s.Target)
	if opts != "" {
		if err := s.setModes(opts); err != nil {
			return Spec{}, err
		}
	}
	return s, nil
}

// setModes reads -v's last part as Docker's daemon does (moby's
// linuxParser.validMountMode): a comma list with at most one word of each
// kind. The consistency words (cached, delegated, consistent), which
// Docker Desktop once used, are taken and mean nothing on Linux, as in
// Docker. The error starts with Docker's words, then says what to write.
func (s *Spec) setModes(opts string) error {
	invalid := func(why string) error { return fmt.Errorf("invalid mode: %s (%s)", opts, why) }
	const example = "; e.g. -v /host/dir:/path:ro"
	seen := map[string]string{}
	for _, o := range strings.Split(opts, ",") {
		var kind string
		switch {
		case o == "ro" || o == "rw":
			kind = "ro or rw"
			s.ReadOnly = o == "ro"
		case o == "z" || o == "Z":
			kind = "z or Z"
			s.Relabel = o
		case o == "nocopy":
			kind = "nocopy"
			if s.Type != TypeVolume {
				return invalid("nocopy is for a volume, not a host folder")
			}
			s.NoCopy = true
		case propagations[o]:
			kind = "a propagation"
			if s.Type != TypeBind {
				return invalid(o + " is for a host folder, not a volume")
			}
			s.Propagation = o
		case o == "cached" || o == "delegated" || o == "consistent":
			kind = "a consistency"
		default:
			return invalid(fmt.Sprintf("%q is not one of ro, rw, z, Z, nocopy or a propagation", o) + example)
		}
		if prev, ok := seen[kind]; ok {
			return invalid(prev + " and " + o + ": give one" + example)
		}
		seen[kind] = o
	}
	return nil
}

func checkTarget(t string) error {
	if t == "" {
		return fmt.Errorf("no path inside the container")
	}
	if !strings.HasPrefix(t, "/") {
		return fmt.Errorf("path inside the container %q must be absolute", t)
	}
	switch c := path.Clean(t); {
	case c == "/":
		return fmt.Errorf("cannot mount over / in the container")
	case c == "/proc" || strings.HasPrefix(c, "/proc/"):
		// runc refuses it at start with a long error; say why here.
		return fmt.Errorf("cannot mount on %s in the container: /proc is the kernel's process file system; choose another path such as /data", c)
	case c == "/dev":
		return fmt.Errorf("cannot mount over /dev in the container: its device nodes (/dev/null, ...) are there; choose another path such as /data")
	}
	return nil
}

// ParseMount parses a --mount value: comma-separated key=value fields
// type=bind|volume|tmpfs, source|src, target|destination|dst, readonly|ro,
// volume-nocopy, bind-propagation, tmpfs-size, tmpfs-mode.
func ParseMount(spec string) (Spec, error) {
	s := Spec{Type: TypeVolume}
	bad := func(why string) (Spec, error) {
		// The example matches the kind of mount being written.
		example := map[string]string{
			TypeBind:  "type=bind,source=/host/dir,target=/data",
			TypeTmpfs: "type=tmpfs,target=/scratch",
		}[s.Type]
		if example == "" {
			example = "type=volume,source=data,target=/data"
		}
		return Spec{}, fmt.Errorf("invalid --mount %q: %s (e.g. --mount %s)", spec, why, example)
	}
	if strings.TrimSpace(spec) == "" {
		return bad("the value is empty")
	}
	fields, err := csv.NewReader(strings.NewReader(spec)).Read()
	if err != nil {
		return bad(err.Error())
	}
	for _, f := range fields {
		k, v, hasValue := strings.Cut(f, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		boolean := func() (bool, error) {
			if !hasValue {
				return true, nil
			}
			switch strings.ToLower(v) {
			case "1", "true":
				return true, nil
			case "0", "false":
				return false, nil
			}
			return false, fmt.Errorf("%s=%s is not true or false", k, v)
		}
		if !hasValue && k != "readonly" && k != "ro" && k != "volume-nocopy" {
			return bad(fmt.Sprintf("field %q needs a value", k))
		}
		switch k {
		case "type":
			if v != TypeBind && v != TypeVolume && v != TypeTmpfs {
				return bad(fmt.Sprintf("type %q is not bind, volume or tmpfs", v))
			}
			s.Type = v
		case "source", "src":
			s.Source = v
		case "target", "destination", "dst":
			s.Target = v
		case "readonly", "ro":
			if s.ReadOnly, err = boolean(); err != nil {
				return bad(err.Error())
			}
		case "volume-nocopy":
			if s.NoCopy, err = boolean(); err != nil {
				return bad(err.Error())
			}
		case "bind-propagation":
			if !propagations[v] {
				return bad(fmt.Sprintf("bind-propagation %q is not one of private, rprivate, shared, rshared, slave, rslave", v))
			}
			s.Propagation = v
		case "tmpfs-size":
			n, err := units.RAMInBytes(v)
			if err != nil || n <= 0 {
				return bad(fmt.Sprintf("tmpfs-size %q is not a size such as 64m", v))
			}
			s.TmpfsSize = n
		case "tmpfs-mode":
			m, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return bad(fmt.Sprintf("tmpfs-mode %q is not an octal mode such as 1777", v))
			}
			s.TmpfsMode = uint32(m)
		case "consistency", "volume-driver", "volume-label", "bind-nonrecursive":
			// Accepted and ignored, as on Linux Docker (consistency) or
			// meaningless with the local driver.
		default:
			return bad(fmt.Sprintf("unknown field %q", k))
		}
	}
	if err := checkTarget(s.Target); err != nil {
		return bad(err.Error())
	}
	s.Target = path.Clean(s.Target)
	switch s.Type {
	case TypeBind:
		if s.Source == "" {
			return bad("a bind mount needs source=/host/path")
		}
		if !strings.HasPrefix(s.Source, "/") {
			return bad(fmt.Sprintf("bind source %q must be an absolute path", s.Source))
		}
		s.Source = path.Clean(s.Source)
	case TypeVolume:
		if s.Source != "" {
			if err := ValidateName(s.Source); err != nil {
				return bad(err.Error())
			}
		}
	case TypeTmpfs:
		if s.Source != "" {
			return bad("a tmpfs mount takes no source")
		}
	}
	if s.Type != TypeBind && s.Propagation != "" {
		return bad("bind-propagation is only for type=bind")
	}
	if s.Type != TypeTmpfs && (s.TmpfsSize != 0 || s.TmpfsMode != 0) {
		return bad("tmpfs-size and tmpfs-mode are only for type=tmpfs")
	}
	return s, nil
}

// TmpfsMount turns a --tmpfs value, PATH[:OPTIONS] as Docker takes it
// (options as for mount -t tmpfs: size=64m, mode=1777, ro, rw, noexec,
// nosuid, nodev), into the --mount value of the same tmpfs. The engine
// always mounts tmpfs noexec, nosuid and nodev, as Docker does by default.
func TmpfsMount(value string) (string, error) {
	target, opts, _ := strings.Cut(value, ":")
	if err := checkTarget(target); err != nil {
		return "", fmt.Errorf("invalid --tmpfs %q: %w", value, err)
	}
	fields := []string{"type=tmpfs", "target=" + target}
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "", "rw", "noexec", "nosuid", "nodev":
		case "ro":
			fields = append(fields, "readonly")
		case "size":
			fields = append(fields, "tmpfs-size="+v)
		case "mode":
			fields = append(fields, "tmpfs-mode="+v)
		default:
			return "", fmt.Errorf("invalid --tmpfs %q: option %q is not supported (use size=, mode=, ro or rw)", value, o)
		}
	}
	spec := strings.Join(fields, ",")
	if _, err := ParseMount(spec); err != nil {
		return "", err
	}
	return spec, nil
}
