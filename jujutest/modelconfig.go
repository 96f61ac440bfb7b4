package jujutest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// ModelConfig runs "juju model-config --format json" and returns each
// setting's value. Integers come back as int, other numbers as float64.
func (j *Juju) ModelConfig(ctx context.Context) (map[string]any, error) {
	out, err := j.run(ctx, call{args: []string{"model-config", "--format", "json"}})
	if err != nil {
		return nil, err
	}
	var raw map[string]struct {
		Value  json.RawMessage `json:"Value"`
		Source string          `json:"Source"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		return nil, fmt.Errorf("juju model-config: parsing output: %w", err)
	}
	cfg := make(map[string]any, len(raw))
	for k, s := range raw {
		v, err := decodePlain(s.Value)
		if err != nil {
			return nil, fmt.Errorf("juju model-config: parsing %s: %w", k, err)
		}
		cfg[k] = v
	}
	return cfg, nil
}

// SetModelConfig runs "juju model-config k=v ..." to set model settings.
// Bools are written as true/false.
func (j *Juju) SetModelConfig(ctx context.Context, values map[string]any) error {
	if len(values) == 0 {
		return fmt.Errorf("juju model-config: no values to set")
	}
	a := argList{"model-config"}
	a.add(keyValues(values)...)
	_, err := j.run(ctx, call{args: a})
	return err
}

// ResetModelConfig runs "juju model-config --reset k1,k2" to return the
// keys to their defaults.
func (j *Juju) ResetModelConfig(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return fmt.Errorf("juju model-config: no keys to reset")
	}
	_, err := j.run(ctx, call{args: []string{"model-config", "--reset", strings.Join(keys, ",")}})
	return err
}

// ModelConstraints runs "juju model-constraints --format json" and returns
// the model's constraints keyed by name ("arch", "mem", "tags"...); an
// unconstrained model gives an empty map. Integers come back as int.
func (j *Juju) ModelConstraints(ctx context.Context) (map[string]any, error) {
	out, err := j.run(ctx, call{args: []string{"model-constraints", "--format", "json"}})
	if err != nil {
		return nil, err
	}
	v, err := decodePlain([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("juju model-constraints: parsing output: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return map[string]any{}, nil
		}
		return nil, fmt.Errorf("juju model-constraints: output is %T, want a JSON object", v)
	}
	return m, nil
}

// SetModelConstraints runs "juju set-model-constraints k=v ..." to replace
// the model's constraints; values are formatted as for config, string
// lists joined with commas. An empty map clears the constraints.
func (j *Juju) SetModelConstraints(ctx context.Context, constraints map[string]any) error {
	a := argList{"set-model-constraints"}
	a.add(keyValues(constraints)...)
	_, err := j.run(ctx, call{args: a})
	return err
}

// decodePlain decodes JSON into plain Go values, with integers as int
// (falling back to float64 when out of range) rather than float64.
func decodePlain(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return plainNumbers(v), nil
}

// plainNumbers replaces json.Number values inside v by int or float64.
func plainNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil && int64(int(n)) == n {
			return int(n)
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = plainNumbers(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = plainNumbers(e)
		}
		return v
	default:
		return v
	}
}
