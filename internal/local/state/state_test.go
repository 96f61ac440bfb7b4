package state_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/local/state"
)

// TestPruneTasks keeps the newest finished tasks and every unfinished one.
func TestPruneTasks(t *testing.T) {
	t.Parallel()
	m := &state.Model{Tasks: map[string]*state.Task{}}
	base := time.Now()
	for i := 1; i <= 6; i++ {
		id := strconv.Itoa(i)
		m.Tasks[id] = &state.Task{ID: id, Status: state.TaskCompleted, Completed: base.Add(time.Duration(i) * time.Second)}
	}
	m.Tasks["7"] = &state.Task{ID: "7", Status: state.TaskRunning}
	m.Tasks["8"] = &state.Task{ID: "8", Status: state.TaskPending}
	m.PruneTasks(3)
	for _, id := range []string{"4", "5", "6", "7", "8"} {
		if m.Tasks[id] == nil {
			t.Errorf("task %s was pruned", id)
		}
	}
	if len(m.Tasks) != 5 {
		t.Errorf("%d tasks left, want 5: %v", len(m.Tasks), m.Tasks)
	}
	m.PruneTasks(3)
	if len(m.Tasks) != 5 {
		t.Errorf("pruning again removed tasks: %d left", len(m.Tasks))
	}
}
