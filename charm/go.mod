module github.com/canonical/jujutest/charm

go 1.24.0
