//go:build linux

package runtime

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCopySparseKeepsHoles(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	a, b := bytes.Repeat([]byte("a"), 5000), bytes.Repeat([]byte("b"), 70000)
	f.WriteAt(a, 0)
	f.WriteAt(b, 200<<20)
	f.Truncate(300 << 20) // ends in a hole
	f.Close()
	if err := copySparse(src, dst); err != nil {
		t.Fatal(err)
	}
	out, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(out.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != 300<<20 || st.Blocks*512 > 4<<20 {
		t.Fatalf("dst: size %d, %d bytes allocated; want 300 MiB with the holes kept", st.Size, st.Blocks*512)
	}
	for _, c := range []struct {
		off  int64
		want []byte
	}{{0, a}, {200 << 20, b}, {100 << 20, make([]byte, 4096)}, {(300 << 20) - 10, make([]byte, 10)}} {
		got := make([]byte, len(c.want))
		if _, err := out.ReadAt(got, c.off); err != nil || !bytes.Equal(got, c.want) {
			t.Fatalf("at %d: %v, content differs", c.off, err)
		}
	}
	if err := copySparse(src, dst); !errors.Is(err, os.ErrExist) {
		t.Fatalf("copy over an existing file: %v", err)
	}
}

// TestEphemeralImageLimits mounts a 512 MB image the way a sandbox does
// and fills it: its size is what was asked, and writing past it is ENOSPC.
func TestEphemeralImageLimits(t *testing.T) {
	dir := t.TempDir()
	e := detectEphemeral(detectIsolation(), dir)
	if !e.ok {
		t.Skip("no EphemeralStorage on this host: " + e.why)
	}
	img := filepath.Join(dir, "sb.img")
	if err := e.image(512, img); err != nil {
		t.Fatal(err)
	}
	mnt := t.TempDir()
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread() // never unlocked: the namespace dies with the thread
		errc <- func() error {
			if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
				return err
			}
			if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
				return err
			}
			fd, err := unix.Open(img, unix.O_RDWR|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			if err := mountImage(fd, mnt); err != nil {
				return err
			}
			defer unix.Unmount(mnt, 0)
			var st unix.Statfs_t
			if err := unix.Statfs(mnt, &st); err != nil {
				return err
			}
			if size := int64(st.Blocks) * st.Bsize >> 20; size > 512 || size < 490 {
				t.Errorf("file system of %d MiB, want about 512", size)
			}
			f, err := os.Create(filepath.Join(mnt, "fill"))
			if err != nil {
				return err
			}
			defer f.Close()
			chunk := make([]byte, 1<<20)
			for i := 0; i < 600; i++ {
				if _, err := f.Write(chunk); err != nil {
					if !errors.Is(err, unix.ENOSPC) {
						t.Errorf("write %d MiB: %v, want ENOSPC", i, err)
					}
					return nil
				}
			}
			t.Errorf("600 MiB written into a 512 MB /tmp")
			return nil
		}()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
