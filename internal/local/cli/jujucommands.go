package cli

import "sort"

// jujuCommands are the command names (and aliases) of Juju 3.6's CLI. The
// local backend uses them to tell a Juju command it does not implement from
// a mistyped one, and to suggest the closest command as Juju does.
var jujuCommands = []string{
	"actions", "add-cloud", "add-credential", "add-k8s", "add-machine", "add-model", "add-secret",
	"add-secret-backend", "add-space", "add-ssh-key", "add-storage", "add-unit", "add-user",
	"agree", "agreements", "attach-resource", "attach-storage", "autoload-credentials",
	"bind", "bootstrap", "cancel-task", "change-user-password", "charm-resources", "clouds",
	"config", "consume", "controller-config", "controllers", "create-backup",
	"create-storage-pool", "credentials", "dashboard", "debug-code", "debug-hook",
	"debug-hooks", "debug-log", "default-credential", "default-region", "deploy",
	"destroy-controller", "destroy-model", "detach-storage", "diff-bundle", "disable-command",
	"disable-user", "disabled-commands", "documentation", "download", "download-backup",
	"enable-command", "enable-destroy-controller", "enable-ha", "enable-user", "exec",
	"export-bundle", "expose", "find", "find-offers", "firewall-rules", "grant", "grant-cloud",
	"grant-secret", "help", "help-action-commands", "help-hook-commands", "import-filesystem",
	"import-ssh-key", "info", "integrate", "kill-controller", "list-models", "login", "logout",
	"machines", "migrate", "model-config", "model-constraints", "model-default",
	"model-defaults", "model-secret-backend", "models", "move-to-space", "offer", "offers",
	"operations", "refresh", "regions", "register", "relate", "reload-spaces",
	"remove-application", "remove-cloud", "remove-credential", "remove-k8s", "remove-machine",
	"remove-offer", "remove-relation", "remove-saas", "remove-secret", "remove-secret-backend",
	"remove-space", "remove-ssh-key", "remove-storage", "remove-storage-pool", "remove-unit",
	"remove-user", "rename-space", "resolve", "resolved", "resources", "resume-relation",
	"retry-provisioning", "revoke", "revoke-cloud", "revoke-secret", "run", "scale-application",
	"scp", "secret-backends", "secrets", "set-application-base", "set-constraints",
	"set-credential", "set-firewall-rule", "set-model-constraints", "show-action",
	"show-application", "show-cloud", "show-controller", "show-credential", "show-machine",
	"show-model", "show-offer", "show-operation", "show-secret", "show-secret-backend",
	"show-space", "show-status-log", "show-storage", "show-task", "show-unit", "show-user",
	"spaces", "ssh", "ssh-keys", "status", "storage", "storage-pools", "subnets",
	"suspend-relation", "switch", "sync-agent-binary", "trust", "unexpose", "unregister",
	"update-cloud", "update-credential", "update-k8s", "update-public-clouds", "update-secret",
	"update-secret-backend", "update-storage-pool", "upgrade-controller", "upgrade-machine",
	"upgrade-model", "users", "version", "wait-for", "whoami",
}

// isJujuCommand reports whether name is one of Juju's commands.
func isJujuCommand(name string) bool {
	for _, c := range jujuCommands {
		if c == name {
			return true
		}
	}
	return false
}

// closestJujuCommand finds the Juju command nearest to name by Levenshtein
// distance (ties broken by name), accepting it only when the distance is
// smaller than the candidate's length plus one, as Juju's command registry
// does.
func closestJujuCommand(name string) (string, bool) {
	names := append([]string(nil), jujuCommands...)
	sort.Strings(names)
	best, bestDist := "", -1
	for _, c := range names {
		d := levenshtein(name, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" && bestDist < len(best)+1 {
		return best, true
	}
	return "", false
}

// levenshtein returns the edit distance between a and b.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
