//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// EphemeralStorage: a sandbox's /tmp holds at most EphemeralStorage MB,
// as on AWS, without counting against MemorySize. A size-limited tmpfs
// would not do: tmpfs pages are charged to the memory cgroup of the
// process that writes them (v1 and v2), so /tmp would eat the function's
// memory. Instead each sandbox gets an ext4 file system of exactly that
// size in a sparse image file, attached to a loop device (direct I/O, so
// the image's blocks are not cached a second time) and mounted at /tmp
// inside its mount namespace. Writing past the size is ENOSPC in the
// function ("No space left on device"). Images are copied from one
// mkfs'd template per size (a few hundred KB of metadata, the rest
// holes), so a cold start pays a sparse copy and a mount (about 2 ms
// together on our machines), not mkfs. The
// mount lives as long as the namespace; the loop device detaches itself
// (LO_FLAGS_AUTOCLEAR) and the image is deleted when the sandbox stops.
//
// It needs a mount namespace (hako root), mkfs.ext4 and loop devices.
// Elsewhere /tmp is a plain directory on the host's disk with no size
// limit, said once in the start log.
type ephemeral struct {
	ok   bool
	why  string // what /tmp is, for the start log
	mkfs string
	dir  string // templates

	mu        sync.Mutex
	templates map[int]string // MB → template image
}

func detectEphemeral(iso isolation, workDir string) *ephemeral {
	e := &ephemeral{templates: map[int]string{}, dir: filepath.Join(workDir, "ephemeral")}
	plain := "a directory on the host's disk, EphemeralStorage not enforced: "
	if !iso.mountNS {
		e.why = plain + "no mount namespace"
		return e
	}
	mkfs, err := exec.LookPath("mkfs.ext4")
	if err != nil {
		for _, p := range []string{"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"} {
			if isFile(p) {
				mkfs, err = p, nil
				break
			}
		}
	}
	if err != nil {
		e.why = plain + "no mkfs.ext4 (e2fsprogs)"
		return e
	}
	ctl, err := unix.Open("/dev/loop-control", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		e.why = plain + "no loop devices (/dev/loop-control: " + err.Error() + ")"
		return e
	}
	_ = unix.Close(ctl)
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		e.why = plain + err.Error()
		return e
	}
	e.ok, e.mkfs = true, mkfs
	e.why = "ext4 image of EphemeralStorage MB per sandbox (loop device), outside the memory limit"
	return e
}

// image makes a sandbox's /tmp image of sizeMB at path.
func (e *ephemeral) image(sizeMB int, path string) error {
	tpl, err := e.template(sizeMB)
	if err != nil {
		return err
	}
	return copySparse(tpl, path)
}

// template returns the mkfs'd image of sizeMB, making it once.
func (e *ephemeral) template(sizeMB int) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.templates[sizeMB]; ok {
		return p, nil
	}
	p := filepath.Join(e.dir, strconv.Itoa(sizeMB)+".img")
	tmp := p + ".tmp"
	_ = os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	err = f.Truncate(int64(sizeMB) << 20)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", err
	}
	// No journal (a sandbox's /tmp need not survive a crash), no
	// reserved blocks (all of it is the function's), one inode per 64 KB
	// (fewer inode tables: more of the size is usable).
	out, err := exec.Command(e.mkfs, "-q", "-F", "-t", "ext4", "-O", "^has_journal", "-m", "0", "-i", "65536",
		"-E", "lazy_itable_init=1,nodiscard", tmp).CombinedOutput()
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("mkfs.ext4: %v: %s", err, out)
	}
	if err := os.Rename(tmp, p); err != nil {
		return "", err
	}
	e.templates[sizeMB] = p
	return p, nil
}

// copySparse copies src to a new file dst, leaving src's holes as holes
// (the template is mostly holes; a plain copy would write all of it).
func copySparse(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = func() error {
		if err := out.Truncate(fi.Size()); err != nil {
			return err
		}
		fd := int(in.Fd())
		var off int64
		for off < fi.Size() {
			data, err := unix.Seek(fd, off, unix.SEEK_DATA)
			if errors.Is(err, unix.ENXIO) {
				return nil // only a hole is left
			}
			if err != nil {
				return err
			}
			hole, err := unix.Seek(fd, data, unix.SEEK_HOLE)
			if err != nil {
				return err
			}
			if _, err := out.Seek(data, io.SeekStart); err != nil {
				return err
			}
			if _, err := io.Copy(out, io.NewSectionReader(in, data, hole-data)); err != nil {
				return err
			}
			off = hole
		}
		return nil
	}()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dst)
	}
	return err
}

// mountImage attaches the image open at imgFD to a free loop device and
// mounts it at target. It runs in the sandbox's mount namespace; the
// loop device detaches itself once that mount is gone.
func mountImage(imgFD int, target string) error {
	ctl, err := unix.Open("/dev/loop-control", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(ctl)
	// Another sandbox starting at the same moment may take the device
	// LOOP_CTL_GET_FREE named: EBUSY, ask again.
	for attempt := 0; ; attempt++ {
		n, err := unix.IoctlRetInt(ctl, unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return fmt.Errorf("LOOP_CTL_GET_FREE: %w", err)
		}
		dev := "/dev/loop" + strconv.Itoa(n)
		lfd, err := unix.Open(dev, unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		cfg := unix.LoopConfig{Fd: uint32(imgFD)}
		cfg.Info.Flags = unix.LO_FLAGS_AUTOCLEAR | unix.LO_FLAGS_DIRECT_IO
		err = unix.IoctlLoopConfigure(lfd, &cfg)
		if errors.Is(err, unix.EINVAL) {
			// Direct I/O refused by the backing file system.
			cfg.Info.Flags = unix.LO_FLAGS_AUTOCLEAR
			err = unix.IoctlLoopConfigure(lfd, &cfg)
		}
		if errors.Is(err, unix.EBUSY) && attempt < 20 {
			_ = unix.Close(lfd)
			continue
		}
		if err != nil {
			_ = unix.Close(lfd)
			return fmt.Errorf("LOOP_CONFIGURE %s: %w", dev, err)
		}
		// noinit_itable: no background zeroing of inode tables, which
		// would write to (and grow) every image for nothing.
		err = unix.Mount(dev, target, "ext4", unix.MS_NOSUID|unix.MS_NODEV, "noinit_itable")
		// The mount holds the device now; closing ours lets autoclear
		// detach it when the mount goes.
		_ = unix.Close(lfd)
		if err != nil {
			return fmt.Errorf("mount %s: %w", dev, err)
		}
		return nil
	}
}
