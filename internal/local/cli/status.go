package cli

import (
	"github.com/canonical/jujutest/internal/local/statusview"
)

// cmdStatus is "juju status": implemented by internal/local/statusview,
// which the juju-local front binary also runs without this package.
func (r *run) cmdStatus(args []string) error {
	if code := statusview.Main(r.ctx, args, r.stdout, r.stderr, r.envKV); code != 0 {
		return &exitCodeError{Code: code}
	}
	return nil
}
