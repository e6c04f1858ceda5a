package events

import (
	"testing"

	"github.com/memlsm/memlsm/internal/shareddata"
)

// SharedData returns ../shared/data/sub (or $MEMLSM_SHARED_DATA/sub), or
// skips the test when it is absent. Exported for package events_test.
func SharedData(t testing.TB, sub string) string {
	t.Helper()
	return shareddata.Dir(t, sub)
}
