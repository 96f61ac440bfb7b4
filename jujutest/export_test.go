package jujutest

// WithGetenv replaces os.Getenv in TempModel, so that tests control the
// JUJUTEST_* variables without t.Setenv (which rules out t.Parallel).
func WithGetenv(getenv func(string) string) TempModelOption {
	return func(c *tempModelConfig) { c.getenv = getenv }
}
