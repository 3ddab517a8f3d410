//go:build !linux

package runtime

import (
	"net"
	goruntime "runtime"
)

// Hosts other than Linux get no cgroups and no mount namespace: sandboxes
// run as hako's user with a private TMPDIR, no memory limit, and Max
// Memory Used reported as 0.

type cgroupMode int

const (
	cgroupNone cgroupMode = iota
	cgroupV1
	cgroupV2
)

func (m cgroupMode) String() string { return "none" }

type limiter struct {
	mode cgroupMode
	why  string
}

func detectLimits() *limiter { return &limiter{why: "cgroups are Linux-only"} }

func (l *limiter) create(id string, memMB int) (*cgroup, error) { return nil, nil }
func (l *limiter) close()                                       {}

type cgroup struct{ threadMove bool }

func (c *cgroup) beforeStart(attr any)     {}
func (c *cgroup) afterStart(pid int) error { return nil }
func (c *cgroup) peakBytes() int64         { return 0 }
func (c *cgroup) oomKilled() bool          { return false }
func (c *cgroup) kill()                    {}
func (c *cgroup) destroy()                 {}

func procPeakRSS(pid int) int64 { return 0 }

type isolation struct {
	mountNS  bool
	optNS    bool
	uid, gid int
	why      string
}

func (i isolation) String() string {
	return "hako's user, no mount namespace (" + i.why + "): TMPDIR private, /tmp shared"
}

func detectIsolation() isolation {
	return isolation{uid: -1, gid: -1, why: "mount namespaces are Linux-only"}
}

type mountPlan struct {
	taskDir, runtimeDir, optDir, tmpDir, langDir string
	coverOpt                                     bool
	hide                                         []string
	tmpImage                                     string
	tmpUID, tmpGID                               int
	tmpErr                                       error
}

// ephemeral: /tmp is a plain directory, EphemeralStorage not enforced.
type ephemeral struct {
	ok  bool
	why string
}

func detectEphemeral(iso isolation, workDir string) *ephemeral {
	return &ephemeral{why: "a directory on the host's disk, EphemeralStorage not enforced: Linux-only"}
}

func (e *ephemeral) image(sizeMB int, path string) error { return nil }

const (
	nsTaskRoot   = "/var/task"
	nsRuntimeDir = "/var/runtime"
	nsOptDir     = "/opt"
	nsLangDir    = "/var/lang"
)

func enterMountNS(p *mountPlan) error { return nil }

func accessibleBy(path string, uid, gid int) bool { return true }

func chownTo(path string, uid, gid int) error { return nil }

func loopbackPeerUID(c net.Conn) (int, error) { return -1, nil }

func lockThread() { goruntime.LockOSThread() }
