package learn_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/content/images"
	"github.com/dockyard-lab/dockyard/sandbox/bake"
)

// TestNginxImageLikeDockerHub runs the lesson nginx image (content/images/
// nginx) as the networks and volumes lessons do and as students do on
// Docker: its default "Welcome to nginx!" page comes from
// /usr/share/nginx/html, a site bind-mounted there with
// -v ./site:/usr/share/nginx/html is served instead, a server of the
// student's own mounted at /etc/nginx/conf.d/default.conf replaces the
// default one, a template in /etc/nginx/templates is filled from the
// environment by /docker-entrypoint.sh (which says so in docker logs), and
// the image keeps Docker Hub's ENTRYPOINT, EXPOSE 80, foreground CMD and
// STOPSIGNAL SIGQUIT (docker stop ends it cleanly with 0).
func TestNginxImageLikeDockerHub(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs containers")
	}
	mirror := lessonMirror(t, "nginx:latest")
	bin := buildDockyard(t)
	dir, err := os.MkdirTemp("/tmp", "dy-nginx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // runs last
	root, site := filepath.Join(dir, "root"), filepath.Join(dir, "site")
	docker := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"--root", root, "docker"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DOCKYARD_REGISTRY_MIRROR="+mirror)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := docker(args...)
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	t.Cleanup(func() {
		if ids, _ := docker("ps", "-aq"); ids != "" {
			docker(append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
		}
		docker("network", "reset")
	})
	must("pull", "-q", "nginx")
	// The image must be baked from the recipe in this tree, not an older one.
	recipes, err := bake.LoadRecipes(images.Recipes())
	if err != nil {
		t.Fatal(err)
	}
	want := recipes.Label(recipes.Get("nginx"))
	if got := must("image", "inspect", "-f", `{{index .Config.Labels "`+bake.LabelRecipe+`"}}`, "nginx"); got != want {
		t.Fatalf("the nginx image in %s was baked from recipe %s, not from this tree's %s: bake it again (dockyard --root %s images prepare nginx)", testRoot(), got, want, testRoot())
	}

	for _, tc := range []struct{ format, want string }{
		{"{{json .Config.ExposedPorts}}", `{"80/tcp":{}}`},
		{"{{.Config.StopSignal}}", "SIGQUIT"},
		{"{{json .Config.Cmd}}", `["nginx","-g","daemon off;"]`},
		{"{{json .Config.Entrypoint}}", `["/docker-entrypoint.sh"]`},
	} {
		if got := must("image", "inspect", "-f", tc.format, "nginx"); got != tc.want {
			t.Errorf("image inspect -f %s nginx = %s, want %s (as Docker Hub's nginx)", tc.format, got, tc.want)
		}
	}

	if err := os.MkdirAll(site, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"site/index.html":                 "<h1>my own site</h1>\n",
		"server.conf":                     "server {\n    listen 80;\n    location / { return 200 \"from my conf.d\\n\"; }\n}\n",
		"templates/default.conf.template": "server {\n    listen 80;\n    location / { return 200 \"hello ${GREETING} from $host\\n\"; }\n}\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"default page", nil, "<title>Welcome to nginx!</title>"},
		{"bind-mounted site", []string{"-v", "./site:/usr/share/nginx/html"}, "<h1>my own site</h1>"},
		{"read-only site", []string{"-v", site + ":/usr/share/nginx/html:ro"}, "<h1>my own site</h1>"},
		{"own server in conf.d", []string{"-v", "./server.conf:/etc/nginx/conf.d/default.conf:ro"}, "from my conf.d"},
		// ${GREETING} is filled in, nginx's own $host is left for nginx.
		{"template from the environment", []string{"-e", "GREETING=students", "-v", "./templates:/etc/nginx/templates:ro"}, "hello students from 127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := freePort(t)
			name := fmt.Sprintf("web-%d", port)
			args := append([]string{"run", "-d", "--name", name, "-p", fmt.Sprintf("%d:80", port)}, tc.flags...)
			must(append(args, "nginx")...)
			body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
			if !strings.Contains(body, tc.want) {
				t.Errorf("GET / = %q, want it to contain %q", body, tc.want)
			}
			if logs := must("logs", name); !strings.Contains(logs, "/docker-entrypoint.sh: Configuration complete; ready for start up") {
				t.Errorf("docker logs %s = %q, want the entrypoint's lines as Docker Hub's nginx prints them", name, logs)
			}
			must("stop", name)
			if code := must("inspect", "-f", "{{.State.ExitCode}}", name); code != "0" {
				t.Errorf("nginx stopped with SIGQUIT exited with %s, want 0", code)
			}
			must("rm", name)
		})
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// httpGet polls url until nginx answers (it starts in a moment); the
// deadline only bounds a broken run.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil && resp.StatusCode == http.StatusOK {
				return string(body)
			}
			err = fmt.Errorf("status %s, body %q, read error %v", resp.Status, body, rerr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
