package runtime

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ZipLimits bounds what a deployment package may expand to. The zero value
// means AWS's limits (see DefaultZipLimits).
type ZipLimits struct {
	// MaxUnzipped is the total size of the extracted files, in bytes.
	// Default: 262144000 (AWS's 250 MB unzipped limit).
	MaxUnzipped int64
	// MaxFiles is the number of entries (files, directories, links).
	// Default: 100000.
	MaxFiles int
	// MaxRatio is the largest compression ratio (uncompressed/compressed)
	// one entry may have once it expands beyond 1 MiB; deflate cannot go
	// much beyond 1032:1, so only degenerate data (zip bombs) hits it.
	// Default: 1000.
	MaxRatio int64
}

// DefaultZipLimits are AWS Lambda's limits for a deployment package.
var DefaultZipLimits = ZipLimits{MaxUnzipped: 250 << 20, MaxFiles: 100000, MaxRatio: 1000}

func (l ZipLimits) withDefaults() ZipLimits {
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultZipLimits.MaxUnzipped
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultZipLimits.MaxFiles
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultZipLimits.MaxRatio
	}
	return l
}

// ZipError says why a deployment package was refused. Err is one of the
// Err* sentinels below, so callers can pick the AWS error to answer
// (ErrZipTooLarge → RequestEntityTooLargeException "Unzipped size must be
// smaller than 262144000 bytes", the rest → InvalidParameterValueException
// "Could not unzip uploaded file. Please check your file, then try to
// upload again.").
type ZipError struct {
	Entry string // the offending entry, when there is one
	Err   error
}

func (e *ZipError) Error() string {
	if e.Entry == "" {
		return "zip: " + e.Err.Error()
	}
	return fmt.Sprintf("zip: %q: %v", e.Entry, e.Err)
}

func (e *ZipError) Unwrap() error { return e.Err }

// Reasons a zip is refused.
var (
	ErrZipInvalid      = errors.New("not a valid zip archive")
	ErrZipUnsafePath   = errors.New("path escapes the archive root (absolute or ..)")
	ErrZipUnsafeLink   = errors.New("symbolic link points outside the archive root")
	ErrZipTooLarge     = errors.New("unzipped size exceeds the limit")
	ErrZipTooManyFiles = errors.New("too many entries")
	ErrZipBomb         = errors.New("compression ratio or overlapping entries of a zip bomb")
	ErrZipDuplicate    = errors.New("duplicate entry")
	ErrZipUnsupported  = errors.New("unsupported entry type")
)

// maxLinkTarget bounds a symlink entry's content (its target path).
const maxLinkTarget = 4096

// zipEntry is one validated archive member.
type zipEntry struct {
	f      *zip.File
	name   string // clean, slash-separated, relative
	kind   fs.FileMode
	perm   fs.FileMode
	target string // symlink target
}

// zipPlan is a validated archive, in extraction order.
type zipPlan struct {
	entries []zipEntry
}

// ValidateZip checks a deployment package without writing anything: every
// path stays inside the root, every symlink resolves inside the root (also
// through other symlinks of the archive), the entry count and unzipped
// size stay within limits, and no entry looks like a zip bomb (absurd
// compression ratio, or entries sharing compressed data). Sizes are
// counted by decompressing, never trusted from the headers. The Lambda API
// calls it at CreateFunction / UpdateFunctionCode so a bad zip is refused
// with nothing stored.
func ValidateZip(r io.ReaderAt, size int64, limits ZipLimits) error {
	limits = limits.withDefaults()
	plan, err := planZip(r, size, limits)
	if err != nil {
		return err
	}
	var total int64
	for _, e := range plan.entries {
		if e.kind != 0 {
			continue
		}
		if _, err := copyEntry(io.Discard, e, limits, &total); err != nil {
			return err
		}
	}
	return nil
}

// ExtractZip validates and extracts a deployment package into dir (which
// must not exist yet, or be empty). Files keep their executable bit and
// are made read-only (0444 / 0555), directories 0555. Writes go through an
// os.Root, so even a bug in validation cannot write outside dir. On error
// dir may hold a partial tree: callers extract into a temporary directory
// and rename.
func ExtractZip(r io.ReaderAt, size int64, dir string, limits ZipLimits) error {
	limits = limits.withDefaults()
	plan, err := planZip(r, size, limits)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var total int64
	var dirs []string
	for _, e := range plan.entries {
		switch e.kind {
		case fs.ModeDir:
			if err := root.MkdirAll(e.name, 0o755); err != nil {
				return err
			}
			dirs = append(dirs, e.name)
		case fs.ModeSymlink:
			if d := path.Dir(e.name); d != "." {
				if err := root.MkdirAll(d, 0o755); err != nil {
					return err
				}
			}
			if err := root.Symlink(e.target, e.name); err != nil {
				return err
			}
			dirs = append(dirs, path.Dir(e.name))
		default:
			if d := path.Dir(e.name); d != "." {
				if err := root.MkdirAll(d, 0o755); err != nil {
					return err
				}
				dirs = append(dirs, d)
			}
			out, err := root.OpenFile(e.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			_, err = copyEntry(out, e, limits, &total)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := root.Chmod(e.name, e.perm); err != nil {
				return err
			}
		}
	}
	// Directories last and deepest first, so creating their children
	// above did not need write permission we are now taking away.
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	seen := map[string]bool{}
	for _, d := range dirs {
		for ; d != "." && !seen[d]; d = path.Dir(d) {
			seen[d] = true
			if err := root.Chmod(d, 0o555); err != nil {
				return err
			}
		}
	}
	return os.Chmod(dir, 0o555)
}

// planZip parses the central directory and checks names, types, counts,
// declared sizes and data overlap. It reads no file data except symlink
// targets.
func planZip(r io.ReaderAt, size int64, limits ZipLimits) (*zipPlan, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, &ZipError{Err: fmt.Errorf("%w: %v", ErrZipInvalid, err)}
	}
	if zr == nil {
		return nil, &ZipError{Err: ErrZipInvalid}
	}
	if len(zr.File) > limits.MaxFiles {
		return nil, &ZipError{Err: fmt.Errorf("%w: %d entries, at most %d", ErrZipTooManyFiles, len(zr.File), limits.MaxFiles)}
	}
	plan := &zipPlan{entries: make([]zipEntry, 0, len(zr.File))}
	byName := make(map[string]int, len(zr.File))
	links := map[string]string{}
	var declared uint64
	type span struct{ start, end int64 }
	spans := make([]span, 0, len(zr.File))
	for _, f := range zr.File {
		name, err := cleanZipName(f.Name)
		if err != nil {
			return nil, &ZipError{Entry: f.Name, Err: err}
		}
		mode := f.Mode()
		e := zipEntry{f: f, name: name}
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			e.kind = fs.ModeDir
		case mode&fs.ModeSymlink != 0:
			e.kind = fs.ModeSymlink
		case mode.IsRegular():
			e.perm = 0o444
			if mode.Perm()&0o111 != 0 || !hasUnixMode(f) {
				e.perm = 0o555
			}
		default:
			return nil, &ZipError{Entry: f.Name, Err: fmt.Errorf("%w: %v", ErrZipUnsupported, mode.Type())}
		}
		if name == "." {
			if e.kind == fs.ModeDir {
				continue // "./" is the root itself
			}
			return nil, &ZipError{Entry: f.Name, Err: ErrZipUnsafePath}
		}
		if prev, dup := byName[name]; dup {
			// Repeated directory entries are harmless; anything else is
			// ambiguous (which copy wins?) and refused.
			if e.kind == fs.ModeDir && plan.entries[prev].kind == fs.ModeDir {
				continue
			}
			return nil, &ZipError{Entry: f.Name, Err: ErrZipDuplicate}
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return nil, &ZipError{Entry: f.Name, Err: fmt.Errorf("%w: compression method %d", ErrZipUnsupported, f.Method)}
		}
		if e.kind != fs.ModeDir {
			declared += f.UncompressedSize64
			if declared > uint64(limits.MaxUnzipped) {
				return nil, &ZipError{Err: fmt.Errorf("%w: more than %d bytes", ErrZipTooLarge, limits.MaxUnzipped)}
			}
			if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64/max(f.CompressedSize64, 1) > uint64(limits.MaxRatio) {
				return nil, &ZipError{Entry: f.Name, Err: ErrZipBomb}
			}
			off, err := f.DataOffset()
			if err != nil {
				return nil, &ZipError{Entry: f.Name, Err: fmt.Errorf("%w: %v", ErrZipInvalid, err)}
			}
			if f.CompressedSize64 > 0 {
				spans = append(spans, span{off, off + int64(f.CompressedSize64)})
			}
		}
		if e.kind == fs.ModeSymlink {
			target, err := readLinkTarget(f)
			if err != nil {
				return nil, &ZipError{Entry: f.Name, Err: err}
			}
			e.target = target
			links[name] = target
		}
		byName[name] = len(plan.entries)
		plan.entries = append(plan.entries, e)
	}
	// Entries whose compressed data overlap are how non-recursive zip
	// bombs (one kernel referenced by many headers) get their ratio.
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return nil, &ZipError{Err: fmt.Errorf("%w: entries share compressed data", ErrZipBomb)}
		}
	}
	// Every symlink must resolve inside the root, following the archive's
	// own links; nothing may live below a symlink (writing it would go
	// through the link).
	for _, e := range plan.entries {
		for d := path.Dir(e.name); d != "."; d = path.Dir(d) {
			if _, isLink := links[d]; isLink {
				return nil, &ZipError{Entry: e.f.Name, Err: fmt.Errorf("%w: entry below symlink %q", ErrZipUnsafeLink, d)}
			}
			if i, ok := byName[d]; ok && plan.entries[i].kind != fs.ModeDir {
				return nil, &ZipError{Entry: e.f.Name, Err: fmt.Errorf("%w: entry below file %q", ErrZipDuplicate, d)}
			}
		}
		if e.kind == fs.ModeSymlink {
			if !linkStaysInside(e.name, links) {
				return nil, &ZipError{Entry: e.f.Name, Err: ErrZipUnsafeLink}
			}
		}
	}
	// Directories first, then files, then symlinks: a link never exists
	// while something is written below its path.
	sort.SliceStable(plan.entries, func(i, j int) bool {
		return kindOrder(plan.entries[i].kind) < kindOrder(plan.entries[j].kind)
	})
	return plan, nil
}

func kindOrder(k fs.FileMode) int {
	switch k {
	case fs.ModeDir:
		return 0
	case fs.ModeSymlink:
		return 2
	}
	return 1
}

// hasUnixMode reports whether the entry was written by a Unix zip tool
// (which records permission bits); others get 0555 so a bootstrap zipped
// on Windows still runs.
func hasUnixMode(f *zip.File) bool {
	const creatorUnix, creatorMacOSX = 3, 19
	switch f.CreatorVersion >> 8 {
	case creatorUnix, creatorMacOSX:
		return true
	}
	return false
}

// cleanZipName turns an entry name into a clean relative slash path, or
// refuses it: absolute paths, drive letters, NUL bytes and any ".."
// component are refused outright (not silently cleaned), as is a
// backslash, which some tools use as a separator.
func cleanZipName(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "\x00\\") {
		return "", ErrZipUnsafePath
	}
	if strings.HasPrefix(name, "/") || (len(name) >= 2 && name[1] == ':') {
		return "", ErrZipUnsafePath
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", ErrZipUnsafePath
		}
	}
	clean := path.Clean(name)
	if !filepath.IsLocal(filepath.FromSlash(clean)) && clean != "." {
		return "", ErrZipUnsafePath
	}
	return clean, nil
}

func readLinkTarget(f *zip.File) (string, error) {
	if f.UncompressedSize64 > maxLinkTarget {
		return "", fmt.Errorf("%w: symlink target too long", ErrZipUnsafeLink)
	}
	rc, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrZipInvalid, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrZipInvalid, err)
	}
	if len(b) == 0 || len(b) > maxLinkTarget || bytes.IndexByte(b, 0) >= 0 {
		return "", ErrZipUnsafeLink
	}
	return string(b), nil
}

// linkStaysInside resolves the symlink at name component by component,
// substituting the archive's other symlinks, and reports whether every
// step stays below the root. Absolute targets are outside by definition.
func linkStaysInside(name string, links map[string]string) bool {
	// pending is the list of components still to walk; resolved is the
	// path walked so far (always inside the root).
	var resolved []string
	pending := strings.Split(name, "/")
	hops := 0
	for len(pending) > 0 {
		part := pending[0]
		pending = pending[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if len(resolved) == 0 {
				return false
			}
			resolved = resolved[:len(resolved)-1]
			continue
		}
		cur := strings.Join(append(resolved, part), "/")
		target, isLink := links[cur]
		if !isLink {
			resolved = append(resolved, part)
			continue
		}
		hops++
		if hops > 40 || strings.HasPrefix(target, "/") {
			return false
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	return true
}

// copyEntry decompresses one file into w, counting real bytes against the
// total limit (headers can lie) and the entry's ratio.
func copyEntry(w io.Writer, e zipEntry, limits ZipLimits, total *int64) (int64, error) {
	rc, err := e.f.Open()
	if err != nil {
		return 0, &ZipError{Entry: e.f.Name, Err: fmt.Errorf("%w: %v", ErrZipInvalid, err)}
	}
	defer rc.Close()
	remaining := limits.MaxUnzipped - *total
	// The ratio bound only applies past 1 MiB so small, very
	// compressible files (a page of spaces) stay fine.
	ratioCap := max(int64(e.f.CompressedSize64)*limits.MaxRatio, 1<<20)
	budget := min(remaining, ratioCap)
	n, err := io.Copy(w, io.LimitReader(rc, budget+1))
	*total += n
	if err != nil {
		return n, &ZipError{Entry: e.f.Name, Err: fmt.Errorf("%w: %v", ErrZipInvalid, err)}
	}
	if n > budget {
		if budget == remaining {
			return n, &ZipError{Err: fmt.Errorf("%w: more than %d bytes", ErrZipTooLarge, limits.MaxUnzipped)}
		}
		return n, &ZipError{Entry: e.f.Name, Err: ErrZipBomb}
	}
	return n, nil
}

// codeCache extracts each Code once into dir/<sha256>/ and shares the
// result; concurrent requests for the same sha wait for one extraction.
type codeCache struct {
	dir    string
	limits ZipLimits

	mu      sync.Mutex
	pending map[string]*extraction
}

type extraction struct {
	done chan struct{}
	path string
	err  error
}

func newCodeCache(dir string, limits ZipLimits) (*codeCache, error) {
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		return nil, err
	}
	return &codeCache{dir: dir, limits: limits.withDefaults(), pending: map[string]*extraction{}}, nil
}

// get returns the directory holding c's extracted files.
func (cc *codeCache) get(c Code) (string, error) {
	sum := strings.ToLower(c.Sha256)
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return "", fmt.Errorf("runtime: code sha256 %q is not 64 hex digits", c.Sha256)
	}
	dst := filepath.Join(cc.dir, sum)
	if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
		return dst, nil
	}
	cc.mu.Lock()
	if x, ok := cc.pending[sum]; ok {
		cc.mu.Unlock()
		<-x.done
		return x.path, x.err
	}
	x := &extraction{done: make(chan struct{}), path: dst}
	cc.pending[sum] = x
	cc.mu.Unlock()

	x.err = cc.extract(c, sum, dst)
	if x.err != nil {
		x.path = ""
	}
	cc.mu.Lock()
	delete(cc.pending, sum)
	cc.mu.Unlock()
	close(x.done)
	return x.path, x.err
}

func (cc *codeCache) extract(c Code, sum, dst string) error {
	if c.Open == nil {
		return fmt.Errorf("runtime: code %s has no Open", sum)
	}
	if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
		return nil // another process (or an earlier run) finished it
	}
	r, size, err := c.Open()
	if err != nil {
		return fmt.Errorf("runtime: open code %s: %w", sum, err)
	}
	if cl, ok := r.(io.Closer); ok {
		defer cl.Close()
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return fmt.Errorf("runtime: read code %s: %w", sum, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("runtime: code sha256 is %s, want %s", got, sum)
	}
	tmp := filepath.Join(cc.dir, ".tmp-"+sum[:16]+"-"+randomHex(8))
	if err := ExtractZip(r, size, tmp, cc.limits); err != nil {
		removeReadOnlyTree(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		removeReadOnlyTree(tmp)
		if fi, serr := os.Stat(dst); serr == nil && fi.IsDir() {
			return nil
		}
		return err
	}
	return nil
}

// removeReadOnlyTree removes a tree whose directories were made read-only.
func removeReadOnlyTree(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	_ = os.RemoveAll(dir)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
