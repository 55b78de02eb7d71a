package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDebugProfiles(t *testing.T) {
	tests := []struct {
		path       string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"/debug/pprof/", 200, "text/plain; charset=utf-8", "goroutine"},
		{"/debug/pprof/goroutine?debug=1", 200, "text/plain; charset=utf-8", "goroutine profile: total"},
		{"/debug/pprof/heap?gc=1", 200, "application/octet-stream", ""},
		{"/debug/pprof/cmdline", 200, "text/plain; charset=utf-8", ""},
		{"/debug/pprof/nosuch", 404, "text/plain; charset=utf-8", "Unknown profile"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		debugProfiles(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.wantStatus {
			t.Errorf("GET %s = %d, want %d", tt.path, rec.Code, tt.wantStatus)
		}
		if got := rec.Header().Get("Content-Type"); got != tt.wantType {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.path, got, tt.wantType)
		}
		if !strings.Contains(rec.Body.String(), tt.wantBody) {
			t.Errorf("GET %s = %q, want it to contain %q", tt.path, rec.Body.String(), tt.wantBody)
		}
		if tt.wantStatus == 200 && rec.Body.Len() == 0 {
			t.Errorf("GET %s: empty body", tt.path)
		}
	}
}

func TestDebugCPUProfile(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/debug/pprof/profile?seconds=1", nil)
	rec := httptest.NewRecorder()
	debugProfiles(rec, req)
	if rec.Code != 200 || rec.Body.Len() == 0 {
		t.Errorf("GET /debug/pprof/profile?seconds=1 = %d with %d bytes, want 200 and a profile", rec.Code, rec.Body.Len())
	}
}
