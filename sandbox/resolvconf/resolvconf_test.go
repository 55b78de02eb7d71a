package resolvconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in     string
		servers, sch []string
	}{
		{"empty", "", nil, nil},
		{"servers and search", "# comment\nnameserver 10.0.0.2\nnameserver  fe80::1%eth0 \nsearch a.example b.example\noptions ndots:2\n",
			[]string{"10.0.0.2", "fe80::1%eth0"}, []string{"a.example", "b.example"}},
		{"domain sets one", "search a.example b.example\ndomain c.example\n", nil, []string{"c.example"}},
		{"the last line wins", "domain c.example\nsearch a.example\n", nil, []string{"a.example"}},
		{"a bare nameserver line", "nameserver\nnameserver 1.1.1.1\n", []string{"1.1.1.1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Nameservers, tt.servers) || len(got.Search) != len(tt.sch) || len(tt.sch) > 0 && !reflect.DeepEqual(got.Search, tt.sch) {
				t.Errorf("Parse(%q) = %q, %q, want %q, %q", tt.in, got.Nameservers, got.Search, tt.servers, tt.sch)
			}
		})
	}
}

func TestReadMissing(t *testing.T) {
	if _, err := Read(filepath.Join(t.TempDir(), "resolv.conf")); !os.IsNotExist(err) {
		t.Errorf("Read(missing) error = %v, want not exist", err)
	}
}
