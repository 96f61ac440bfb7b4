// Package unit holds the tinyproxy charm's state-transition tests: a
// charmtest.State goes in, one event runs through the real charm logic
// (package hooks) with fake hook tools and a fake workload, and a State
// comes out. No process, network or host state is involved, so every test
// runs in parallel.
package unit
