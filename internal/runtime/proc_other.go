//go:build !unix

package runtime

import (
	"os"
	"syscall"
)

func (i isolation) sysProcAttr(uid, gid int) *syscall.SysProcAttr { return nil }

// killGroup kills the sandbox's main process (no process groups here).
func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil && pid > 0 {
		_ = p.Kill()
	}
}
