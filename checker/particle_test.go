package checker

import "testing"

func TestParticles(t *testing.T) {
	tests := []struct {
		fn, word, want string
	}{
		{"으로", "0", "0으로"},
		{"으로", "1", "1로"},
		{"으로", "2", "2로"},
		{"으로", "137", "137로"},
		{"으로", "6", "6으로"},
		{"으로", "서울", "서울로"},
		{"으로", "집", "집으로"},
		{"이가", "hello", "hello가"},
		{"이가", "web", "web이"},
		{"이가", "postgres-sample", "postgres-sample이"},
		{"이가", "intro-box", "intro-box가"},
		{"이가", "lonely1", "lonely1이"},
		{"이가", "lonely2", "lonely2가"},
		{"은는", "nginx", "nginx는"},
		{"은는", "alpine", "alpine은"},
		{"을를", "5432/tcp", "5432/tcp를"},
		{"을를", "53/udp", "53/udp를"},
		{"을를", `"hello"`, `"hello"를`},
		{"을를", "컨테이너", "컨테이너를"},
		{"을를", "볼륨", "볼륨을"},
		{"과와", "VM", "VM과"},
		{"은는", "SQL", "SQL은"},
		{"이가", "파일", "파일이"},
		{"이가", "shipyard_default", "shipyard_default가"},
		{"이가", "my-net", "my-net이"},
		{"은는", "client", "client는"},
		{"을를", "boot", "boot를"},
		{"이가", "host", "host가"},
		{"이가", "my-bridge-network", "my-bridge-network가"},
		{"이가", "disk", "disk가"},
		{"을를", "help", "help를"},
		{"이가", "book", "book이"},
		{"이가", "top", "top이"},
		{"이가", "deck", "deck이"},
		{"이에요", "app", "app이에요"},
		{"이가", "web-public", "web-public이"},
		{"으로", "`docker rm host-net`", "`docker rm host-net`으로"},
		{"으로", "`-p 5433:5432`", "`-p 5433:5432`로"},
		{"으로", "`-p 8080:80`", "`-p 8080:80`으로"},
		{"은는", "web-public", "web-public은"},
		{"으로", "`docker rm df-tools-run`", "`docker rm df-tools-run`으로"},
		{"이에요", "5433", "5433이에요"},
		{"이에요", "exited", "exited예요"},
		{"이에요", "(없음)", "(없음)이에요"},
		{"이에요", "실행 중", "실행 중이에요"},
		{"이에요", "/srv", "/srv예요"},
	}
	for _, tt := range tests {
		got := particles[tt.fn].(func(any) string)(tt.word)
		if got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.fn, tt.word, got, tt.want)
		}
	}
}
