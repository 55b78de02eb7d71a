module github.com/cilium/ebpf

go 1.22

require (
	github.com/go-quicktest/qt v1.101.0
	github.com/google/go-cmp v0.6.0
	github.com/jsimonetti/rtnetlink/v2 v2.0.1
	golang.org/x/sys v0.30.0
)

require (
	github.com/josharian/native v1.1.0 // indirect
	github.com/kr/pretty v0.3.1 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/mdlayher/netlink v1.7.2 // indirect
	github.com/mdlayher/socket v0.4.1 // indirect
	github.com/rogpeppe/go-internal v1.11.0 // indirect
	golang.org/x/net v0.33.0 // indirect
	golang.org/x/sync v0.1.0 // indirect
)
