package apiserver

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	mobycontainer "github.com/moby/moby/api/types/container"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// FuzzCreateBody: any POST /containers/create body is decoded and turned
// into create options, or refused with a 4xx (never a 500, never a
// panic); a body that decodes encodes and decodes to the same request,
// and gives the same options.
func FuzzCreateBody(f *testing.F) {
	for _, s := range []string{`{"Image":"busybox","Cmd":["sh"]}`, `{"Image":42}`, `{"Image":`, ``, `null`,
		`{"Image":"b","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"8080"}]},"Binds":["v:/d"],"Memory":-1}}`,
		`{"Image":"b","ExposedPorts":{"x/y":{}},"Env":["A"],"Healthcheck":{"Test":["CMD","true"],"Interval":-5}}`,
		`{"Image":"b","HostConfig":{"Mounts":[{"Type":"bind","Source":"rel","Target":"/x"}],"RestartPolicy":{"Name":"bogus"}}}`,
		`{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"n":{"Aliases":["a"],"IPAMConfig":{"IPv4Address":"300.1.1.1"}}}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req mobycontainer.CreateRequest
		err := decodeBody(httptest.NewRequest("POST", "/containers/create", bytes.NewReader(body)), &req)
		if err != nil {
			if code := statusOf(err); code != 400 && code != 413 {
				t.Fatalf("decodeBody(%q) = %d %v, want 400", body, code, err)
			}
			return
		}
		o, err := createOptions("fuzz", &req)
		if err != nil {
			if code := statusOf(err); code >= 500 {
				t.Fatalf("createOptions(%q) = %d %v, want a 4xx", body, code, err)
			}
		}
		again, merr := json.Marshal(&req)
		if merr != nil {
			return // a value JSON cannot write (NaN cannot come from JSON, but be safe)
		}
		var req2 mobycontainer.CreateRequest
		if err := decodeBody(httptest.NewRequest("POST", "/containers/create", bytes.NewReader(again)), &req2); err != nil {
			t.Fatalf("%q decoded, encoded as %q, does not decode again: %v", body, again, err)
		}
		if again2, _ := json.Marshal(&req2); !bytes.Equal(again, again2) {
			t.Fatalf("create body round trip: %q then %q", again, again2)
		}
		o2, err2 := createOptions("fuzz", &req2)
		if (err == nil) != (err2 == nil) || err == nil && !reflect.DeepEqual(o, o2) {
			t.Fatalf("createOptions differs after a round trip of %q: %+v, %v then %+v, %v", body, o, err, o2, err2)
		}
	})
}

// FuzzFilters: any ?filters= value parses or is refused with a 400; what
// parses, written back in Docker's list form, parses to the same.
func FuzzFilters(f *testing.F) {
	for _, s := range []string{`{"label":{"a=b":true}}`, `{"name":["x","y"]}`, `{"status":{"running":false}}`, `[]`, `{"a":1}`, `nul`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/containers/json?filters="+url.QueryEscape(raw), nil)
		got, err := parseFilters(r)
		if err != nil {
			if statusOf(err) != 400 {
				t.Fatalf("parseFilters(%q) = %v, want a 400", raw, err)
			}
			return
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseFilters(httptest.NewRequest("GET", "/containers/json?filters="+url.QueryEscape(string(b)), nil))
		if err != nil || !reflect.DeepEqual(normalize(back), normalize(got)) {
			t.Fatalf("parseFilters(%q) = %v; written back as %s it parses to %v, %v", raw, got, b, back, err)
		}
	})
}

// normalize drops empty lists, which JSON writes as null or [] alike.
func normalize(f engine.Filters) engine.Filters {
	out := engine.Filters{}
	for k, v := range f {
		if len(v) > 0 {
			out[k] = v
		}
	}
	return out
}
