//go:build unix && !linux

package runtime

import "syscall"

// sysProcAttr puts the sandbox in its own process group so it is killed
// as a whole.
func (i isolation) sysProcAttr(uid, gid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// killGroup SIGKILLs the process group led by pid.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
