//go:build linux

package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Isolation a sandbox gets, by host (docs/ should carry this to users):
//
//   - root with mount namespaces (what our machines give): the runtime
//     runs as its function's own uid (below) in its own mount namespace,
//     where /var is a fresh tmpfs holding AWS's layout — /var/task (the
//     function's code, read-only), /var/runtime (hako's runtime client,
//     read-only), /var/lang (the interpreter's installation, when the
//     sandbox user could not reach it where it is) and bind mounts of the
//     host's other /var entries — /opt shows the function's layers, /tmp
//     (and /var/tmp) is the sandbox's private directory, /dev/shm a
//     private tmpfs, and hako's work directory and data directory
//     (Config.PrivateDirs) are covered by empty read-only tmpfs mounts.
//     Every sandbox start builds this anew (~0.3 ms). The rest of the host file
//     system stays visible, with what its permissions grant a uid that
//     owns nothing. The network (loopback included) is the host's.
//   - root without mount namespaces: the function's uid; code and runtime
//     at their real paths under the work directory (0711 directories: a
//     sandbox reaches its code by path but cannot list other functions');
//     TMPDIR points at the private directory, but /tmp is the host's.
//   - not root: the runtime runs as hako's own user and can read what hako
//     can; TMPDIR is private, /tmp is shared. Run hako as a dedicated user.
//
// Everywhere: its own process group (killed as a whole), Pdeathsig so a
// crash of hako takes the sandboxes with it, memory and pids limits as
// limits_linux.go describes. A runtime that the sandbox uid cannot
// execute (an interpreter under /root, say) runs as hako's user, with a
// warning in the log.

// When hako is root, each function's sandboxes run as a user of their
// own, uid = gid = sandboxUIDBase + n (n counts functions in this
// process): users without a passwd entry, which own no file on the host.
// Sandboxes of different functions therefore cannot signal, ptrace or
// read /proc/PID/environ (credentials) of each other, and a Runtime API
// endpoint only accepts connections from its own function's user. The
// base sits above the ranges container tools hand out (subuid ranges from
// 100000, systemd-nspawn private users up to 0x6FFF0000) and below 2^31.
const sandboxUIDBase = 2_000_000_000

// isolation is what this host lets us do.
type isolation struct {
	mountNS bool
	// optNS: sandboxes see their layers at /opt (a mount namespace, and
	// a host /opt to mount over: hako creates nothing in the host's
	// root). Without it layers stay at their real path under the work
	// directory, as code does without a mount namespace.
	optNS bool
	// uid/gid to run as; -1 means hako's own.
	uid, gid int
	why      string
}

func (i isolation) String() string {
	s := "uid " + strconv.Itoa(os.Geteuid()) + " (hako's)"
	if i.uid >= 0 {
		s = "one uid per function from " + strconv.Itoa(i.uid)
	}
	if i.mountNS {
		s += ", mount namespace (/var/task read-only, private /tmp, work and data dirs hidden"
		if !i.optNS {
			s += "; no /opt on the host: layers at their path under the work dir"
		}
		return s + ")"
	}
	return s + ", no mount namespace (" + i.why + "): TMPDIR private, /tmp shared"
}

func detectIsolation() isolation {
	iso := isolation{uid: -1, gid: -1}
	if os.Geteuid() != 0 {
		iso.why = "not root"
		return iso
	}
	iso.uid, iso.gid = sandboxUIDBase, sandboxUIDBase
	// Probe on a throwaway thread: unshare, make / private, mount a
	// tmpfs over /var (what every sandbox start does).
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread() // never unlocked: the thread dies with us
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			errc <- err
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			errc <- err
			return
		}
		errc <- unix.Mount("tmpfs", "/var", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=64k")
	}()
	if err := <-errc; err != nil {
		iso.why = "mount namespace unavailable: " + err.Error()
		return iso
	}
	iso.mountNS = true
	iso.optNS = isDir(nsOptDir)
	return iso
}

// mountPlan is what a sandbox's mount namespace shows.
type mountPlan struct {
	taskDir    string // host path of the extracted code → /var/task
	runtimeDir string // host path of the runtime client → /var/runtime
	optDir     string // host path of merged layers → /opt ("" = none)
	coverOpt   bool   // show optDir, or an empty directory, at /opt
	tmpDir     string // host path of the private /tmp
	// tmpImage, when set, is the sandbox's EphemeralStorage image
	// (ephemeral_linux.go), mounted at /tmp instead of tmpDir and owned
	// by tmpUID/tmpGID (-1: root). tmpErr is why it could not be, when
	// tmpDir serves instead.
	tmpImage       string
	tmpUID, tmpGID int
	tmpErr         error
	langDir        string   // host path of an interpreter's prefix → /var/lang ("" = none)
	hide           []string // covered with an empty tmpfs
}

// Paths inside the namespace, as AWS has them.
const (
	nsTaskRoot   = "/var/task"
	nsRuntimeDir = "/var/runtime"
	nsOptDir     = "/opt"
	nsLangDir    = "/var/lang"
)

// enterMountNS gives the calling OS thread (locked, and never unlocked)
// a private mount namespace laid out by p; the process forked from this
// thread inherits it.
func enterMountNS(p *mountPlan) error {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("unshare: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	// Open every bind source before anything gets covered; binding from
	// /proc/self/fd/N works whatever is mounted over the path later.
	var fds []int
	defer func() {
		for _, fd := range fds {
			_ = unix.Close(fd)
		}
	}()
	open := func(path string) (string, error) {
		fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", err
		}
		fds = append(fds, fd)
		return "/proc/self/fd/" + strconv.Itoa(fd), nil
	}
	task, err := open(p.taskDir)
	if err != nil {
		return fmt.Errorf("open code dir: %w", err)
	}
	rt, err := open(p.runtimeDir)
	if err != nil {
		return fmt.Errorf("open runtime dir: %w", err)
	}
	tmp, err := open(p.tmpDir)
	if err != nil {
		return fmt.Errorf("open tmp dir: %w", err)
	}
	imgFD := -1
	if p.tmpImage != "" {
		if imgFD, err = unix.Open(p.tmpImage, unix.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
			p.tmpErr = err
		} else {
			fds = append(fds, imgFD)
		}
	}
	lang := ""
	if p.langDir != "" {
		if lang, err = open(p.langDir); err != nil {
			return fmt.Errorf("open interpreter prefix: %w", err)
		}
	}
	opt := ""
	if p.optDir != "" {
		if opt, err = open(p.optDir); err != nil {
			return fmt.Errorf("open layers dir: %w", err)
		}
	}
	type varEntry struct{ name, src, link string }
	var varEntries []varEntry
	ents, _ := os.ReadDir("/var")
	for _, e := range ents {
		n := e.Name()
		if n == "task" || n == "runtime" || n == "lang" || n == "tmp" {
			continue
		}
		full := filepath.Join("/var", n)
		switch {
		case e.Type()&os.ModeSymlink != 0:
			if target, err := os.Readlink(full); err == nil {
				varEntries = append(varEntries, varEntry{name: n, link: target})
			}
		case e.IsDir():
			if src, err := open(full); err == nil {
				varEntries = append(varEntries, varEntry{name: n, src: src})
			}
		}
	}

	if err := unix.Mount("tmpfs", "/var", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=64k"); err != nil {
		return fmt.Errorf("mount /var: %w", err)
	}
	for _, e := range varEntries {
		dst := filepath.Join("/var", e.name)
		if e.link != "" {
			_ = os.Symlink(e.link, dst)
			continue
		}
		if err := os.Mkdir(dst, 0o755); err != nil {
			continue
		}
		_ = unix.Mount(e.src, dst, "", unix.MS_BIND|unix.MS_REC, "")
	}
	if err := bindRO(task, nsTaskRoot); err != nil {
		return fmt.Errorf("bind /var/task: %w", err)
	}
	if err := bindRO(rt, nsRuntimeDir); err != nil {
		return fmt.Errorf("bind /var/runtime: %w", err)
	}
	if lang != "" {
		if err := bindRO(lang, nsLangDir); err != nil {
			return fmt.Errorf("bind /var/lang: %w", err)
		}
	}
	// /opt holds the function's layers and nothing else, as on AWS: the
	// host's own /opt is covered even for a function without layers.
	switch {
	case p.coverOpt && opt != "":
		if err := bindRO(opt, nsOptDir); err != nil {
			return fmt.Errorf("bind /opt: %w", err)
		}
	case p.coverOpt:
		if err := unix.Mount("tmpfs", nsOptDir, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=4k"); err != nil {
			return fmt.Errorf("cover /opt: %w", err)
		}
	}
	if imgFD >= 0 {
		if p.tmpErr = mountImage(imgFD, "/tmp"); p.tmpErr == nil {
			tmp = "/tmp"
			// A fresh file system: the sandbox user's, and as empty as
			// AWS's /tmp.
			_ = unix.Rmdir("/tmp/lost+found")
			if err := os.Chown("/tmp", p.tmpUID, p.tmpGID); err != nil {
				return fmt.Errorf("chown /tmp: %w", err)
			}
			if err := os.Chmod("/tmp", 0o700); err != nil {
				return fmt.Errorf("chmod /tmp: %w", err)
			}
		}
	}
	if tmp != "/tmp" {
		if err := unix.Mount(tmp, "/tmp", "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind /tmp: %w", err)
		}
	}
	// The host's other world-writable places would let sandboxes meet:
	// /var/tmp is the private /tmp again, /dev/shm a private tmpfs.
	if err := os.Mkdir("/var/tmp", 0o755); err == nil {
		_ = unix.Mount(tmp, "/var/tmp", "", unix.MS_BIND, "")
	}
	if isDir("/dev/shm") {
		_ = unix.Mount("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777,size=64m")
	}
	for _, h := range p.hide {
		if !isDir(h) {
			continue // already out of sight (it was under /tmp or /var)
		}
		if err := unix.Mount("tmpfs", h, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0000,size=4k"); err != nil {
			return fmt.Errorf("hide %s: %w", h, err)
		}
	}
	return nil
}

// bindRO bind-mounts src (a /proc/self/fd path) at dst, creating dst, and
// makes it read-only.
func bindRO(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	return unix.Mount("", dst, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, "")
}

// sysProcAttr is the process attributes of a sandbox: its own process
// group, killed if hako dies, and the sandbox user.
func (i isolation) sysProcAttr(uid, gid int) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if uid >= 0 {
		a.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}
	return a
}

// killGroup SIGKILLs the process group led by pid.
func killGroup(pid int) {
	if pid > 0 {
		_ = unix.Kill(-pid, unix.SIGKILL)
	}
}

// accessibleBy reports whether uid/gid (not root) can execute path:
// every directory on the way searchable and the file executable, judged
// by the "other" (or group) permission bits.
func accessibleBy(path string, uid, gid int) bool {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	check := func(p string, bit os.FileMode) bool {
		var st unix.Stat_t
		if unix.Stat(p, &st) != nil {
			return false
		}
		mode := os.FileMode(st.Mode & 0o777)
		switch {
		case int(st.Uid) == uid:
			return mode&(bit<<6) != 0
		case int(st.Gid) == gid:
			return mode&(bit<<3) != 0
		}
		return mode&bit != 0
	}
	for d := filepath.Dir(real); ; d = filepath.Dir(d) {
		if !check(d, 0o1) {
			return false
		}
		if d == "/" || d == "." {
			break
		}
	}
	return check(real, 0o1)
}

// loopbackPeerUID is the owner of the other end of a loopback TCP
// connection, from /proc/net/tcp (the kernel records the uid of every
// socket): the process that connected to a Runtime API endpoint.
func loopbackPeerUID(c net.Conn) (int, error) {
	local, ok1 := c.LocalAddr().(*net.TCPAddr)
	remote, ok2 := c.RemoteAddr().(*net.TCPAddr)
	if !ok1 || !ok2 || remote.IP.To4() == nil {
		return -1, errors.New("not an IPv4 TCP connection")
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return -1, err
	}
	defer f.Close()
	// The peer's socket: its local address is our remote one and its
	// remote address our local one (ports suffice on loopback).
	want1 := fmt.Sprintf(":%04X", remote.Port)
	want2 := fmt.Sprintf(":%04X", local.Port)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || !strings.HasSuffix(fields[1], want1) || !strings.HasSuffix(fields[2], want2) {
			continue
		}
		return strconv.Atoi(fields[7])
	}
	return -1, errors.New("connection not found in /proc/net/tcp")
}

// chownTo hands a directory to the sandbox user.
func chownTo(path string, uid, gid int) error {
	if uid < 0 {
		return nil
	}
	return os.Chown(path, uid, gid)
}

// lockThread pins the calling goroutine to its OS thread for good: the
// thread may carry a private mount namespace and, as the parent of the
// sandbox process, decides when Pdeathsig fires; it exits with the
// goroutine.
func lockThread() { goruntime.LockOSThread() }
