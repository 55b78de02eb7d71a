package apiserver

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A JSON body over the limit is refused with 413 and a reason, without
// being read into memory; bodies under it decode as before.
func TestDecodeBodyLimit(t *testing.T) {
	var v map[string]any
	huge := io.MultiReader(strings.NewReader(`{"Image":"`), io.LimitReader(zeros{}, maxJSONBody+1), strings.NewReader(`"}`))
	err := decodeBody(httptest.NewRequest("POST", "/containers/create", huge), &v)
	var se *statusError
	if !errors.As(err, &se) || se.code != http.StatusRequestEntityTooLarge {
		t.Fatalf("decodeBody(%d MiB) = %v, want a 413", maxJSONBody>>20, err)
	}
	if err := decodeBody(httptest.NewRequest("POST", "/x", strings.NewReader(`{"Image":"busybox"}`)), &v); err != nil || v["Image"] != "busybox" {
		t.Fatalf("decodeBody(small) = %v, %v", v, err)
	}
	if err := decodeBody(httptest.NewRequest("POST", "/x", strings.NewReader(`{"Image":`)), &v); err == nil {
		t.Fatal("decodeBody(broken JSON) = nil, want a 400")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// A client that connects and never finishes its headers is dropped after
// the header timeout, and meanwhile other clients are answered.
func TestSlowClientDoesNotStallOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits for the 10 s header timeout")
	}
	s := &Server{mux: http.NewServeMux()}
	s.mux.HandleFunc("/_ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "OK") })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	go s.Serve(ctx, l)

	slow, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.Write([]byte("GET /_ping HTTP/1.1\r\nHost: x\r\n")) // and never the blank line

	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + l.Addr().String() + "/_ping")
	if err != nil {
		t.Fatalf("a second client was not answered while one trickles: %v", err)
	}
	resp.Body.Close()

	// The server answers 408 and hangs up: ReadAll ends with EOF. Without
	// a header timeout it would wait for the deadline instead.
	slow.SetReadDeadline(time.Now().Add(15 * time.Second))
	if b, err := io.ReadAll(slow); err != nil {
		t.Errorf("the slow client's connection was still open after 15 s (read %q, %v)", b, err)
	}
}
