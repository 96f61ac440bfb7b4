package cli

import (
	"fmt"
	"io"
	"os"

	yamlv3 "gopkg.in/yaml.v3"
)

// maxYAMLInput bounds a YAML file given to config --file, deploy --config
// and the like: settings files are a few KB.
const maxYAMLInput = 4 << 20

// readYAMLInput reads a YAML file (path "-" reads r) of at most
// maxYAMLInput bytes and checks it with yaml.v3 before Juju's parser sees
// it. Juju's yaml.v2 fork has no guard against alias expansion, so a
// "billion laughs" document of a few hundred bytes would take all memory;
// yaml.v3 refuses excessive aliasing after a bounded amount of work.
func readYAMLInput(what, path string, r io.Reader) ([]byte, error) {
	if path == "-" && r == nil {
		return nil, fmt.Errorf("%s: standard input is not accepted here; give a file path", what)
	}
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxYAMLInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxYAMLInput {
		return nil, fmt.Errorf("%s %s is larger than %d MiB: accepted are YAML files up to that size", what, path, maxYAMLInput>>20)
	}
	if err := checkYAML(data); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return data, nil
}

// checkYAML decodes data with yaml.v3, whose decoder stops a document that
// expands aliases out of proportion to its size.
func checkYAML(data []byte) error {
	var v any
	if err := yamlv3.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("invalid YAML (aliases may expand to at most a bounded size): %w", err)
	}
	return nil
}
