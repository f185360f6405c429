package localpg

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// serverUserName is the OS account that runs PostgreSQL when this process
// is root.
const serverUserName = "postgres"

// osUser is the OS account the server programs run as.
type osUser struct {
	name   string
	home   string
	uid    uint32
	gid    uint32
	groups []uint32
}

// serverUser returns the account to run the programs as: nil when this
// process is not root, the postgres user when it is.
func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}

	u, err := user.Lookup(serverUserName)
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the %q OS user, "+
			"which was not found (create it, e.g. useradd --system --create-home %s, "+
			"or run as a normal user): %w", serverUserName, serverUserName, err)
	}

	return toOSUser(u)
}

// toOSUser converts a user lookup result.
func toOSUser(u *user.User) (*osUser, error) {
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse uid of %s: %w", u.Username, err)
	}

	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse gid of %s: %w", u.Username, err)
	}

	out := &osUser{name: u.Username, home: u.HomeDir, uid: uint32(uid), gid: uint32(gid)}
	ids, _ := u.GroupIds()
	for _, id := range ids {
		if g, err := strconv.ParseUint(id, 10, 32); err == nil {
			out.groups = append(out.groups, uint32(g))
		}
	}

	if out.home == "" {
		out.home = "/"
	}

	return out, nil
}

// checkTraversable returns an error naming the first ancestor of dir that
// the server user cannot enter.
func (u *osUser) checkTraversable(dir string) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if !u.canEnter(p) {
			return fmt.Errorf("PostgreSQL runs as OS user %s (this process is root), "+
				"which cannot enter %s, a parent of %s: use a data directory elsewhere "+
				"(e.g. under %s) or allow entry with chmod o+x %s",
				u.name, p, dir, os.TempDir(), p)
		}

		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// canEnter reports whether the user may search directory p.
func (u *osUser) canEnter(p string) bool {
	info, err := os.Stat(p)
	if err != nil {
		return false
	}

	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}

	mode := info.Mode().Perm()
	switch {
	case st.Uid == u.uid:
		return mode&0o100 != 0
	case st.Gid == u.gid || slices.Contains(u.groups, st.Gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

// PrepareParent lets the server enter dir, a directory that will hold a data
// directory, without letting it list or read dir. When this process is root
// it gives dir to the postgres user's group and adds group search
// permission (0700 becomes 0710); otherwise it does nothing.
func PrepareParent(dir string) error {
	u, err := serverUser()
	if err != nil || u == nil {
		return err
	}

	if err := os.Chown(dir, -1, int(u.gid)); err != nil {
		return fmt.Errorf("chgrp %s: %w", dir, err)
	}

	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("stat %s: %w", dir, err)
	}

	if err := os.Chmod(dir, info.Mode().Perm()|0o010); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}

	return nil
}
