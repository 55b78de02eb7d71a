package build

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/sys/user"
	"golang.org/x/sys/unix"
)

// copyArgs are COPY's and ADD's shared fields.
type copyArgs struct {
	instructions.SourcesAndDest
	from, chown, chmod string
	add                bool
	text               string
}

// source is one file or directory to copy.
type source struct {
	abs  string // on the host
	name string // as written, for messages
	fi   fs.FileInfo
}

func (r *run) copyStep(ctx context.Context, st *state, c copyArgs, title string) error {
	v := r.p.vertex(title)
	fail := func(err error) error {
		v.fail(err)
		return &Error{Step: title, Err: err}
	}
	if len(c.SourceContents) > 0 {
		return fail(fmt.Errorf("%s with a heredoc is not supported by Dockyard's builder", strings.ToUpper(c.text[:4])))
	}
	for _, s := range c.SourcePaths {
		if strings.Contains(s, "://") || strings.HasPrefix(s, "git@") {
			return fail(fmt.Errorf("ADD from a URL (%s) is not supported: the sandbox only reaches Debian's archive; download it with RUN inside the build instead", s))
		}
	}

	// Where the sources come from: the context, a stage or an image.
	root, fromKey, ctxSrc := r.ctxDir, "", true
	if c.from != "" {
		ctxSrc = false
		var fst *state
		if j := r.stageIndexByName(c.from); j >= 0 {
			fst = r.done[j]
		}
		if fst == nil {
			base, err := r.b.Images.Base(ctx, c.from, v)
			if err != nil {
				return fail(fmt.Errorf("COPY --from=%s: %w", c.from, err))
			}
			cfg, err := base.Image.ConfigFile()
			if err != nil {
				return fail(err)
			}
			fst = &state{baseID: base.ID, base: base.Image, cfg: cfg, key: hashKey("from", base.ID)}
		}
		view, release, err := r.view(ctx, fst)
		if err != nil {
			return fail(err)
		}
		defer release()
		root, fromKey = view, fst.key
	}
	srcs, err := r.sources(root, c, ctxSrc)
	if err != nil {
		return fail(err)
	}
	h := sha256.New()
	for _, s := range srcs {
		if err := r.hashSource(h, root, s, ctxSrc); err != nil {
			return fail(err)
		}
	}
	key := hashKey(st.key, "copy", c.text, c.DestPath, st.cfg.Config.WorkingDir, fromKey, hex.EncodeToString(h.Sum(nil)))
	if r.cached(st, key, v) {
		return nil
	}

	view, release, err := r.view(ctx, st)
	if err != nil {
		return fail(err)
	}
	defer release()
	own, err := parseChown(c.chown, view)
	if err != nil {
		return fail(err)
	}
	if own == nil && ctxSrc {
		own = &owner{0, 0}
	}
	var mode *os.FileMode
	if c.chmod != "" {
		m, err := strconv.ParseUint(c.chmod, 8, 32)
		if err != nil {
			return fail(fmt.Errorf("invalid --chmod=%s: want an octal mode like 755", c.chmod))
		}
		fm := os.FileMode(m)
		mode = &fm
	}

	dest := c.DestPath
	if !path.IsAbs(dest) {
		wd := st.cfg.Config.WorkingDir
		if wd == "" {
			wd = "/"
		}
		dest = path.Join(wd, dest) + map[bool]string{true: "/"}[strings.HasSuffix(c.DestPath, "/")]
	}
	destIsDir := strings.HasSuffix(dest, "/") || len(srcs) > 1 || c.DestPath == "." || strings.HasSuffix(c.DestPath, "/.")
	if p, err := securejoin.SecureJoin(view, dest); err == nil {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			destIsDir = true
		}
	}
	// Symlinks in the image on the way to dest are followed, as Docker
	// does: COPY to /lib/x in an image where /lib -> usr/lib writes
	// /usr/lib/x, instead of hiding the symlink behind a new directory.
	if destIsDir {
		dest = resolveIn(view, dest)
	} else {
		dest = path.Join(resolveIn(view, path.Dir(path.Clean(dest))), path.Base(dest))
	}

	layer, err := r.b.newLayerDir("copy-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(layer)
	cp := &copier{r: r, root: root, ctxSrc: ctxSrc, own: own, mode: mode}
	for _, s := range srcs {
		target := dest
		switch {
		case s.fi.IsDir():
			// A directory's contents are copied, not the directory.
		case c.add && isArchive(s.abs):
			if err := mirrorParents(view, layer, dest, true); err != nil {
				return fail(err)
			}
			if err := extract(s.abs, filepath.Join(layer, dest)); err != nil {
				return fail(fmt.Errorf("ADD %s: %w", s.name, err))
			}
			continue
		case destIsDir:
			target = path.Join(dest, filepath.Base(s.abs))
		}
		if err := mirrorParents(view, layer, path.Dir(target), true); err != nil {
			return fail(err)
		}
		if s.fi.IsDir() {
			if err := mirrorParents(view, layer, target, true); err != nil {
				return fail(err)
			}
		}
		if err := cp.copy(s.abs, filepath.Join(layer, target), s.fi, s.fi.IsDir()); err != nil {
			return fail(err)
		}
	}
	release()
	if err := r.addLayer(st, layer, strings.TrimSpace(c.text)+" # dockyard"); err != nil {
		return fail(err)
	}
	st.key = key
	if err := r.b.remember(key, st); err != nil {
		return err
	}
	v.done()
	return nil
}

func (r *run) stageIndexByName(name string) int {
	for i, s := range r.stages {
		if strings.EqualFold(s.Name, name) || strconv.Itoa(i) == name {
			if _, ok := r.done[i]; ok {
				return i
			}
		}
	}
	return -1
}

// sources resolves COPY's source paths (with wildcards) inside root.
func (r *run) sources(root string, c copyArgs, ctxSrc bool) ([]source, error) {
	var out []source
	for _, s := range c.SourcePaths {
		clean := path.Clean("/" + filepath.ToSlash(s))
		pattern := filepath.Join(root, clean)
		var matches []string
		if strings.ContainsAny(clean, "*?[") {
			m, err := filepath.Glob(pattern)
			if err != nil {
				return nil, fmt.Errorf("bad pattern %q: %w", s, err)
			}
			matches = m
		} else {
			matches = []string{pattern}
		}
		found := 0
		for _, m := range matches {
			rel, _ := filepath.Rel(root, m)
			if ctxSrc && rel != "." && r.ignore.excluded(filepath.ToSlash(rel)) {
				continue
			}
			// Symlinks on the way (and a symlink source itself) resolve
			// inside root, never to the host's files.
			abs, err := securejoin.SecureJoin(root, rel)
			if err != nil {
				continue
			}
			fi, err := os.Lstat(abs)
			if err != nil {
				continue
			}
			out = append(out, source{abs: abs, name: s, fi: fi})
			found++
		}
		if found == 0 {
			where := "in the build context"
			if !ctxSrc {
				where = "in --from=" + c.from
			}
			hint := "check the path"
			if ctxSrc {
				hint = "check the path, and that .dockerignore does not exclude it"
			}
			return nil, fmt.Errorf("%q: not found %s (%s)", clean, where, hint)
		}
	}
	return out, nil
}

// hashSource hashes a source's names, modes and contents for the cache key.
func (r *run) hashSource(h io.Writer, root string, s source, ctxSrc bool) error {
	return filepath.WalkDir(s.abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if ctxSrc && p != s.abs && r.ignore.excluded(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%o\x00", rel, fi.Mode())
		if !ctxSrc {
			if st, ok := fi.Sys().(*unix.Stat_t); ok {
				fmt.Fprintf(h, "%d:%d\x00", st.Uid, st.Gid)
			}
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			t, _ := os.Readlink(p)
			fmt.Fprintf(h, "%s\x00", t)
		case fi.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			_, err = io.Copy(h, f)
			f.Close()
			return err
		}
		return nil
	})
}

type owner struct{ uid, gid int }

// parseChown resolves --chown=user[:group] against the image's passwd and
// group files; numbers are taken as they are.
func parseChown(spec, rootfs string) (*owner, error) {
	if spec == "" {
		return nil, nil
	}
	u, g, hasGroup := strings.Cut(spec, ":")
	open := func(p string) *os.File {
		abs, err := securejoin.SecureJoin(rootfs, p)
		if err != nil {
			return nil
		}
		f, _ := os.Open(abs)
		return f
	}
	passwd, group := open("etc/passwd"), open("etc/group")
	defer func() {
		if passwd != nil {
			passwd.Close()
		}
		if group != nil {
			group.Close()
		}
	}()
	var pr, gr io.Reader = strings.NewReader(""), strings.NewReader("")
	if passwd != nil {
		pr = passwd
	}
	if group != nil {
		gr = group
	}
	if !hasGroup {
		g = u
		if _, err := strconv.Atoi(u); err != nil {
			g = "" // a user name: its primary group
		}
	}
	eu, err := user.GetExecUser(u+map[bool]string{true: ":" + g}[g != ""], nil, pr, gr)
	if err != nil {
		return nil, fmt.Errorf("--chown=%s: %v (the user or group must exist in the image's /etc/passwd and /etc/group)", spec, err)
	}
	return &owner{eu.Uid, eu.Gid}, nil
}

// copier copies files into a layer directory.
type copier struct {
	r      *run
	root   string
	ctxSrc bool
	own    *owner
	mode   *os.FileMode
}

func (cp *copier) copy(src, dst string, fi fs.FileInfo, contents bool) error {
	if !contents {
		return cp.one(src, dst, fi)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == src {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		if cp.ctxSrc {
			crel, _ := filepath.Rel(cp.root, p)
			if cp.r.ignore.excluded(filepath.ToSlash(crel)) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return cp.one(p, filepath.Join(dst, rel), fi)
	})
}

// one copies a single entry, keeping its mode and times, and setting its
// owner to --chown's, or root's for the context, or the source's.
func (cp *copier) one(src, dst string, fi fs.FileInfo) error {
	uid, gid := 0, 0
	if st, ok := fi.Sys().(*unix.Stat_t); ok {
		uid, gid = int(st.Uid), int(st.Gid)
	}
	if cp.own != nil {
		uid, gid = cp.own.uid, cp.own.gid
	}
	mode := fi.Mode()
	if cp.mode != nil && mode&fs.ModeSymlink == 0 {
		mode = mode&^fs.ModePerm | *cp.mode
	}
	switch {
	case fi.IsDir():
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(src)
		if err != nil {
			return err
		}
		os.Remove(dst)
		if err := os.Symlink(t, dst); err != nil {
			return err
		}
		return os.Lchown(dst, uid, gid)
	case fi.Mode().IsRegular():
		if err := copyFile(src, dst); err != nil {
			return err
		}
	default:
		return nil // sockets, devices and pipes are not copied
	}
	if err := os.Lchown(dst, uid, gid); err != nil {
		return err
	}
	if err := os.Chmod(dst, mode&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return err
	}
	return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// resolveIn returns p (absolute, inside the image) with the image's
// symlinks resolved, kept inside the image.
func resolveIn(view, p string) string {
	abs, err := securejoin.SecureJoin(view, p)
	if err != nil {
		return path.Clean("/" + p)
	}
	rel, err := filepath.Rel(view, abs)
	if err != nil {
		return path.Clean("/" + p)
	}
	return path.Clean("/" + filepath.ToSlash(rel))
}

// mirrorParents makes dir (and its parents) in layer, each with the owner
// and mode it has in the image below (view), or root's 0755 when new, so a
// layer never changes the directories it passes through.
func mirrorParents(view, layer, dir string, includeSelf bool) error {
	dir = path.Clean("/" + dir)
	if dir == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(dir, "/"), "/")
	if !includeSelf {
		parts = parts[:len(parts)-1]
	}
	cur := ""
	for _, p := range parts {
		cur = path.Join(cur, p)
		dst := filepath.Join(layer, cur)
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		mode, uid, gid := os.FileMode(0o755), 0, 0
		var fi fs.FileInfo
		p, err := securejoin.SecureJoin(view, cur)
		if err == nil {
			fi, err = os.Stat(p)
		}
		if err == nil && fi.IsDir() {
			mode = fi.Mode().Perm() | fi.Mode()&(fs.ModeSetgid|fs.ModeSticky)
			if st, ok := fi.Sys().(*unix.Stat_t); ok {
				uid, gid = int(st.Uid), int(st.Gid)
			}
		}
		if err := os.Mkdir(dst, 0o755); err != nil {
			return err
		}
		if err := os.Chown(dst, uid, gid); err != nil {
			return err
		}
		if err := os.Chmod(dst, mode); err != nil {
			return err
		}
		if fi != nil {
			os.Chtimes(dst, fi.ModTime(), fi.ModTime())
		}
	}
	return nil
}

// isArchive reports whether ADD should unpack the file: a tar, plain or
// compressed with gzip, bzip2 or xz (detected by content, as Docker does).
func isArchive(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(bufio.NewReader(f), head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}), bytes.HasPrefix(head, []byte("BZh")),
		bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return true
	case n >= 262 && string(head[257:262]) == "ustar":
		return true
	}
	return false
}

// extract unpacks an archive into dir with GNU tar, which refuses names
// that climb out of dir and keeps owners (the builder runs as root).
func extract(archive, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out, err := exec.Command("tar", "--numeric-owner", "-xpf", archive, "-C", dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("unpack: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
