//go:build integration

package integration

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canonical/jujutest/jujutest"
)

// upstreamApp is the upstream test charm's application; upstreamPage is
// what it serves (tests/integration/charms/upstream).
const (
	upstreamApp  = "upstream"
	upstreamPage = "hello from the upstream charm"
	upstreamPort = 8080
)

// TestUpstreamCharm deploys the upstream test charm, the backend of the
// relation scenario (issue 11): it serves its page on its machine's
// address.
func TestUpstreamCharm(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newSuite(t)
	charm := jujutest.PackCharm(t, filepath.Join("charms", "upstream"))
	require.NoError(t, s.juju.Deploy(ctx, charm, nil))
	st := s.waitFor(t, ctx, jujutest.AllActive(upstreamApp), s.deployTimeout)
	for name, u := range st.Units(upstreamApp) {
		assert.Equal(t, fmt.Sprintf("serving on port %d", upstreamPort), u.WorkloadStatus.Message, "unit %s", name)
		require.NotEmpty(t, u.PublicAddress, "unit %s", name)
		code, body, err := getURL(ctx, fmt.Sprintf("http://%s:%d/page", u.PublicAddress, upstreamPort))
		require.NoError(t, err, "unit %s", name)
		assert.Equal(t, 200, code)
		assert.Equal(t, upstreamPage+": /page\n", body)
	}
}
