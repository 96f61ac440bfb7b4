module github.com/canonical/jujutest/tests/integration/charms/upstream

go 1.24.6
