package source_test

import (
	"context"
	"fmt"

	"github.com/memlsm/memlsm/events/source"
)

// Open a data source by name: here the small N-TIDIGITS-layout HDF5 file
// the tests generate with h5py, test partition only.
func ExampleOpen() {
	d, err := source.Open(context.Background(), "ntidigits:../testdata/ntidigits_small.hdf5?split=test")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := d.Samples[0]
	fmt.Println(d.Len(), "samples of", d.Sensor.Name)
	fmt.Printf("first: %s, class %s, speaker %s, %d events\n", s.ID, d.Classes[s.Label], s.Speaker, len(s.Events1D))
	// Output:
	// 6 samples of CochleaAMS1b (N-TIDIGITS)
	// first: man-ae-1, class 1, speaker man-ae, 3 events
}
