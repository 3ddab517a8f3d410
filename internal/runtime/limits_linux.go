//go:build linux

package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Memory limits use cgroups, the way Nomad's executor does, degrading by
// what the host offers:
//
//   - cgroupV2: a unified hierarchy with the memory controller. Sandboxes
//     live in <own cgroup or hierarchy root>/hako-<pid>/<sandbox>; the
//     child is cloned straight into its cgroup (SysProcAttr.UseCgroupFD,
//     clone3 CLONE_INTO_CGROUP), so no instruction of the runtime runs
//     outside it.
//   - cgroupV1: the memory controller (and pids, when mounted) of a v1
//     hierarchy. Sandboxes live in <own memory cgroup>/hako-<pid>/<id>.
//     v1 has no clone-into-cgroup; instead the goroutine that forks is
//     locked to its OS thread and that thread alone is moved into the
//     sandbox's cgroups (v1 places threads individually through "tasks")
//     just before the fork, so the child is born inside them; the thread
//     moves back right after. Only if that thread move is refused do we
//     fall back to writing the child's pid to cgroup.procs after start —
//     a window of microseconds between exec and the move in which the
//     runtime could fork or allocate outside the limit (pages charged
//     before the move stay with hako's cgroup).
//   - cgroupNone: no limits; Max Memory Used is the process's peak RSS
//     (VmHWM) and an OOM is indistinguishable from any SIGKILL.
type cgroupMode int

const (
	cgroupNone cgroupMode = iota
	cgroupV1
	cgroupV2
)

func (m cgroupMode) String() string {
	switch m {
	case cgroupV1:
		return "cgroup v1"
	case cgroupV2:
		return "cgroup v2"
	}
	return "none"
}

// pidsMax is AWS's limit on processes and threads per sandbox.
const pidsMax = 1024

// limiter creates per-sandbox cgroups.
type limiter struct {
	mode cgroupMode
	// v2: parent of the sandboxes' cgroups.
	v2Parent string
	// v1: parents in the memory and pids hierarchies (pids may be ""),
	// and hako's own cgroups there (where the forking thread returns).
	v1Mem, v1Pids       string
	v1OwnMem, v1OwnPids string
	// why explains the mode (for the start log line).
	why string
}

// detectLimits finds the best cgroup mode this process can use and
// prepares hako's parent cgroup in it.
func detectLimits() *limiter {
	if os.Geteuid() != 0 {
		// Non-root could only use a delegated v2 subtree; try it anyway.
		if l := detectV2(); l != nil {
			return l
		}
		return &limiter{mode: cgroupNone, why: "not root and no writable cgroup v2 subtree"}
	}
	if l := detectV2(); l != nil {
		return l
	}
	if l := detectV1(); l != nil {
		return l
	}
	return &limiter{mode: cgroupNone, why: "no writable cgroup memory controller"}
}

// ownCgroups parses /proc/self/cgroup: v1 controller name → path, and the
// v2 path under key "".
func ownCgroups() map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return out
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for c := range strings.SplitSeq(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out
}

// ownDir returns mount/rel when it exists (inside a container the path
// from /proc/self/cgroup is relative to the host's root), else mount.
func ownDir(mount, rel string) string {
	if p := filepath.Join(mount, rel); rel != "" && rel != "/" && isDir(p) {
		return p
	}
	return mount
}

func detectV2() *limiter {
	var mount string
	for _, m := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		b, err := os.ReadFile(filepath.Join(m, "cgroup.controllers"))
		if err == nil && hasWord(string(b), "memory") {
			mount = m
			break
		}
	}
	if mount == "" {
		return nil
	}
	own := ownDir(mount, ownCgroups()[""])
	name := parentName()
	// Our own cgroup first (it keeps us inside whatever limits our
	// supervisor set); it only works when it is delegated and has no
	// processes of its own besides what the no-internal-process rule
	// allows. The hierarchy root is Nomad's choice and works as root.
	for _, base := range uniq(own, mount) {
		cleanStale(base)
		parent := filepath.Join(base, name)
		if err := os.Mkdir(parent, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			continue
		}
		if base != mount {
			_ = os.WriteFile(filepath.Join(base, "cgroup.subtree_control"), []byte("+memory +pids"), 0)
		}
		if err := os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+memory +pids"), 0); err != nil {
			if err2 := os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+memory"), 0); err2 != nil {
				_ = os.Remove(parent)
				continue
			}
		}
		return &limiter{mode: cgroupV2, v2Parent: parent, why: "memory.max + pids.max under " + parent}
	}
	return nil
}

func detectV1() *limiter {
	const memMount, pidsMount = "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"
	if _, err := os.Stat(filepath.Join(memMount, "memory.limit_in_bytes")); err != nil {
		return nil
	}
	own := ownCgroups()
	name := parentName()
	l := &limiter{mode: cgroupV1}
	l.v1OwnMem = ownDir(memMount, own["memory"])
	cleanStale(l.v1OwnMem)
	l.v1Mem = filepath.Join(l.v1OwnMem, name)
	if err := os.Mkdir(l.v1Mem, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil
	}
	// Probe that limits can be written at all.
	probe := filepath.Join(l.v1Mem, "probe")
	if err := os.Mkdir(probe, 0o755); err != nil {
		_ = os.Remove(l.v1Mem)
		return nil
	}
	err := os.WriteFile(filepath.Join(probe, "memory.limit_in_bytes"), []byte("134217728"), 0)
	_ = os.Remove(probe)
	if err != nil {
		_ = os.Remove(l.v1Mem)
		return nil
	}
	l.why = "memory.limit_in_bytes under " + l.v1Mem
	if _, err := os.Stat(filepath.Join(pidsMount, "pids.max")); err == nil || isDir(pidsMount) {
		l.v1OwnPids = ownDir(pidsMount, own["pids"])
		cleanStale(l.v1OwnPids)
		p := filepath.Join(l.v1OwnPids, name)
		if err := os.Mkdir(p, 0o755); err == nil || errors.Is(err, os.ErrExist) {
			l.v1Pids = p
			l.why += ", pids.max under " + p
		}
	}
	return l
}

// parentName names a Manager's parent cgroup: hako-<pid>-<random>, one
// per Manager (a process may run several, e.g. tests).
func parentName() string { return fmt.Sprintf("hako-%d-%s", os.Getpid(), randomHex(4)) }

// cleanStale removes hako-<pid>-* cgroups left by hako processes that no
// longer exist (a crash skips Stop), killing any straggler inside.
func cleanStale(base string) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), "hako-")
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() || !errors.Is(unix.Kill(pid, 0), unix.ESRCH) {
			continue
		}
		removeCgroupTree(filepath.Join(base, e.Name()))
	}
}

func removeCgroupTree(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			removeCgroupTree(filepath.Join(dir, e.Name()))
		}
	}
	killProcs(dir)
	for i := 0; i < 50; i++ {
		if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// killProcs SIGKILLs every process listed in dir/cgroup.procs.
func killProcs(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return 0
	}
	n := 0
	for f := range strings.FieldsSeq(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
			_ = unix.Kill(pid, unix.SIGKILL)
			n++
		}
	}
	return n
}

func hasWord(s, w string) bool {
	for f := range strings.FieldsSeq(s) {
		if f == w {
			return true
		}
	}
	return false
}

func uniq(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}

// cgroup is one sandbox's cgroup(s).
type cgroup struct {
	l          *limiter
	v2         string
	v2fd       int
	mem, pids  string // v1
	threadMove bool   // v1: the forking thread was moved in (race-free start)

	// peak stays open: opening a cgroup file costs more than the rest of
	// an invoke's bookkeeping (tens of µs), reading it again is cheap.
	peakMu   sync.Mutex
	peakFile *os.File
	peakBuf  [32]byte
}

// create makes the sandbox's cgroup with a memory limit of memMB.
func (l *limiter) create(id string, memMB int) (*cgroup, error) {
	limit := []byte(strconv.FormatInt(int64(memMB)<<20, 10))
	switch l.mode {
	case cgroupV2:
		dir := filepath.Join(l.v2Parent, id)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, err
		}
		cg := &cgroup{l: l, v2: dir, v2fd: -1}
		if err := os.WriteFile(filepath.Join(dir, "memory.max"), limit, 0); err != nil {
			cg.destroy()
			return nil, err
		}
		_ = os.WriteFile(filepath.Join(dir, "memory.swap.max"), []byte("0"), 0)
		_ = os.WriteFile(filepath.Join(dir, "pids.max"), []byte(strconv.Itoa(pidsMax)), 0)
		fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			cg.destroy()
			return nil, err
		}
		cg.v2fd = fd
		return cg, nil
	case cgroupV1:
		cg := &cgroup{l: l, v2fd: -1}
		cg.mem = filepath.Join(l.v1Mem, id)
		if err := os.Mkdir(cg.mem, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(cg.mem, "memory.limit_in_bytes"), limit, 0); err != nil {
			cg.destroy()
			return nil, err
		}
		// memsw (memory+swap) must be >= the memory limit; equal means
		// no swap, like Lambda. Absent without swap accounting.
		_ = os.WriteFile(filepath.Join(cg.mem, "memory.memsw.limit_in_bytes"), limit, 0)
		_ = os.WriteFile(filepath.Join(cg.mem, "memory.swappiness"), []byte("0"), 0)
		if l.v1Pids != "" {
			p := filepath.Join(l.v1Pids, id)
			if err := os.Mkdir(p, 0o755); err == nil {
				cg.pids = p
				_ = os.WriteFile(filepath.Join(p, "pids.max"), []byte(strconv.Itoa(pidsMax)), 0)
			}
		}
		return cg, nil
	}
	return nil, nil
}

// beforeStart prepares attr so the child starts inside the cgroup. It runs
// on the locked OS thread that will fork.
func (c *cgroup) beforeStart(attr *syscall.SysProcAttr) {
	if c == nil {
		return
	}
	switch c.l.mode {
	case cgroupV2:
		attr.UseCgroupFD = true
		attr.CgroupFD = c.v2fd
	case cgroupV1:
		tid := []byte(strconv.Itoa(unix.Gettid()))
		if err := os.WriteFile(filepath.Join(c.mem, "tasks"), tid, 0); err != nil {
			return
		}
		c.threadMove = true
		if c.pids != "" {
			_ = os.WriteFile(filepath.Join(c.pids, "tasks"), tid, 0)
		}
	}
}

// afterStart runs on the same thread right after the fork: v1 moves the
// thread back (or, when it could not move, the child in).
func (c *cgroup) afterStart(pid int) error {
	if c == nil || c.l.mode != cgroupV1 {
		return nil
	}
	if c.threadMove {
		tid := []byte(strconv.Itoa(unix.Gettid()))
		_ = os.WriteFile(filepath.Join(c.l.v1OwnMem, "tasks"), tid, 0)
		if c.pids != "" {
			_ = os.WriteFile(filepath.Join(c.l.v1OwnPids, "tasks"), tid, 0)
		}
		return nil
	}
	p := []byte(strconv.Itoa(pid))
	if err := os.WriteFile(filepath.Join(c.mem, "cgroup.procs"), p, 0); err != nil {
		return err
	}
	if c.pids != "" {
		_ = os.WriteFile(filepath.Join(c.pids, "cgroup.procs"), p, 0)
	}
	return nil
}

// peakBytes is the sandbox's peak memory use so far (0 when unknown).
func (c *cgroup) peakBytes() int64 {
	if c == nil {
		return 0
	}
	c.peakMu.Lock()
	defer c.peakMu.Unlock()
	if c.peakFile == nil {
		var names []string
		switch c.l.mode {
		case cgroupV2:
			names = []string{filepath.Join(c.v2, "memory.peak"), filepath.Join(c.v2, "memory.current")}
		case cgroupV1:
			names = []string{filepath.Join(c.mem, "memory.max_usage_in_bytes")}
		}
		for _, n := range names {
			if f, err := os.Open(n); err == nil {
				c.peakFile = f
				break
			}
		}
		if c.peakFile == nil {
			return 0
		}
	}
	n, err := c.peakFile.ReadAt(c.peakBuf[:], 0)
	if n == 0 && err != nil {
		return 0
	}
	v, _ := strconv.ParseInt(strings.TrimSpace(string(c.peakBuf[:n])), 10, 64)
	return v
}

// oomKilled reports whether the kernel's OOM killer fired in the cgroup.
func (c *cgroup) oomKilled() bool {
	if c == nil {
		return false
	}
	var file, key string
	switch c.l.mode {
	case cgroupV2:
		file, key = filepath.Join(c.v2, "memory.events"), "oom_kill"
	case cgroupV1:
		file, key = filepath.Join(c.mem, "memory.oom_control"), "oom_kill"
	default:
		return false
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		if k == key {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n > 0
		}
	}
	return false
}

// kill SIGKILLs everything in the cgroup (processes that left the
// process group included).
func (c *cgroup) kill() {
	if c == nil {
		return
	}
	switch c.l.mode {
	case cgroupV2:
		if os.WriteFile(filepath.Join(c.v2, "cgroup.kill"), []byte("1"), 0) != nil {
			killProcs(c.v2)
		}
	case cgroupV1:
		killProcs(c.mem)
		if c.pids != "" {
			killProcs(c.pids)
		}
	}
}

// destroy kills what is left and removes the cgroup(s).
func (c *cgroup) destroy() {
	if c == nil {
		return
	}
	if c.v2fd >= 0 {
		_ = unix.Close(c.v2fd)
		c.v2fd = -1
	}
	c.peakMu.Lock()
	if c.peakFile != nil {
		_ = c.peakFile.Close()
		c.peakFile = nil
	}
	c.peakMu.Unlock()
	for _, d := range []string{c.v2, c.mem, c.pids} {
		if d != "" {
			removeCgroupTree(d)
		}
	}
}

// close removes hako's parent cgroups (at Stop).
func (l *limiter) close() {
	for _, d := range []string{l.v2Parent, l.v1Mem, l.v1Pids} {
		if d != "" {
			removeCgroupTree(d)
		}
	}
}

func readInt(p string) int64 {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// procPeakRSS is the peak resident set of pid (VmHWM), for hosts without
// cgroups.
func procPeakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
