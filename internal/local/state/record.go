package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// recordFile is a model's record beside its files (models/<uuid>/model.json).
const recordFile = "model.json"

// ModelRecord is what a model's directory says about the model, apart
// from the state document: enough for destroy-model --force to find and
// stop the model's agent when the state document and its previous copy are
// both damaged.
type ModelRecord struct {
	// UUID and Name identify the model.
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// Supervisor and SupervisorTicks identify the agent's supervisor,
	// which leads the process group the agent runs in.
	Supervisor      int    `json:"supervisor"`
	SupervisorTicks uint64 `json:"supervisor-ticks"`
}

// SaveModelRecord writes a model's record (atomically) into its directory,
// which must exist.
func (s *Store) SaveModelRecord(rec ModelRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding the model record: %w", err)
	}
	return writeFileAtomic(filepath.Join(s.ModelDir(rec.UUID), recordFile), data, 0o644)
}

// FindModelRecord returns the record of the model named by ref (a name,
// "[controller:][owner/]name", or a UUID prefix of at least 6 characters),
// read from the model directories alone.
func (s *Store) FindModelRecord(ref string) (ModelRecord, error) {
	paths, _ := filepath.Glob(filepath.Join(s.dir, modelsDir, "*", recordFile))
	records := map[string]ModelRecord{}
	found := &State{Models: map[string]*Model{}} // resolved as the state resolves models
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var rec ModelRecord
		if json.Unmarshal(data, &rec) != nil || rec.UUID != filepath.Base(filepath.Dir(p)) {
			continue
		}
		records[rec.UUID] = rec
		found.Models[rec.UUID] = &Model{UUID: rec.UUID, Name: rec.Name}
	}
	m, err := found.FindModel(ModelRefName(ref))
	if err != nil {
		return ModelRecord{}, err
	}
	return records[m.UUID], nil
}

// DamagedStateError reports a state document that does not decode, with no
// good previous copy to recover from.
type DamagedStateError struct {
	// Path is the state document.
	Path string
	// Err is the decoding error.
	Err error
}

func (e *DamagedStateError) Error() string {
	return fmt.Sprintf("decoding state %s: %v (and no good previous state in %s to recover from)", e.Path, e.Err, prevFile)
}

// Unwrap returns the decoding error.
func (e *DamagedStateError) Unwrap() error { return e.Err }

// IsDamaged reports whether err is (or wraps) a *DamagedStateError.
func IsDamaged(err error) bool {
	var d *DamagedStateError
	return errors.As(err, &d)
}
