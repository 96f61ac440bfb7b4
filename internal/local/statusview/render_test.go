package statusview

import "testing"

func TestAgentDoing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ current, message, want string }{
		{"executing", "running install hook", "install"},
		{"executing", "running config-changed hook", "config-changed"},
		{"executing", "running action greet", "greet"},
		// Juju's pattern knows relation hook kinds, not endpoint-named
		// hooks, so a relation hook shows nothing.
		{"executing", "running upstream-relation-joined hook for upstream/0", ""},
		{"idle", "running install hook", ""},
		{"executing", "", ""},
	} {
		if got := agentDoing(fmtStatusInfo{Current: tc.current, Message: tc.message}); got != tc.want {
			t.Errorf("agentDoing(%s, %q) = %q, want %q", tc.current, tc.message, got, tc.want)
		}
	}
}
