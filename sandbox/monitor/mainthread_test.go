package monitor

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// mainThreadProbe is set in the environment of the test binary started as
// `__monitor` by TestMainThreadStaysInTheHostsNetNS.
const mainThreadProbe = "DOCKYARD_TEST_MAIN_THREAD_PROBE"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "__monitor" && os.Getenv(mainThreadProbe) != "" {
		os.Exit(probeMainThread(os.Getenv(mainThreadProbe)))
	}
	os.Exit(m.Run())
}

// A monitor process (this test binary started as `__monitor`, so its init
// ran as a monitor's does) switches goroutines into a container's
// namespace while its main goroutine blocks again and again, as it does
// waiting on libcontainer; /proc/self/ns/net, which libcontainer's config
// check reads, must name the host's namespace every time.
func TestMainThreadStaysInTheHostsNetNS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes a network namespace")
	}
	name := fmt.Sprintf("dockyard-probe-%d", os.Getpid())
	runtime.LockOSThread()
	host, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	ns, err := netns.NewNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	ns.Close()
	if err := netns.Set(host); err != nil {
		t.Fatal(err)
	}
	host.Close()
	runtime.UnlockOSThread()
	defer netns.DeleteNamed(name) //nolint:errcheck // best effort

	cmd := exec.Command(os.Args[0], "__monitor")
	cmd.Env = append(os.Environ(), mainThreadProbe+"=/run/netns/"+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the main thread left the host's namespace: %v\n%s", err, strings.TrimSpace(string(out)))
	}
}

// probeMainThread runs goroutines that enter the namespace at path while
// the main goroutine sleeps and checks /proc/self/ns/net against its own
// thread's namespace, 2000 times. It returns 1 if they ever differ.
func probeMainThread(path string) int {
	var want unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), &want); err != nil {
		fmt.Println(err)
		return 2
	}
	var stop atomic.Bool
	for range 4 {
		go func() {
			for !stop.Load() {
				_ = network.InNetNS(path, func() error {
					time.Sleep(50 * time.Microsecond)
					return nil
				})
			}
		}()
	}
	defer stop.Store(true)
	for i := range 2000 {
		time.Sleep(100 * time.Microsecond)
		var got unix.Stat_t
		if err := unix.Stat("/proc/self/ns/net", &got); err != nil {
			fmt.Println(err)
			return 2
		}
		if got.Dev != want.Dev || got.Ino != want.Ino {
			fmt.Printf("after %d rounds /proc/self/ns/net was another namespace\n", i)
			return 1
		}
	}
	return 0
}
