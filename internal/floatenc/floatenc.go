// Package floatenc stores float slices in JSON bit-exactly and compactly: as
// one base64 string of their little-endian IEEE 754 bytes. Saved weights
// then reload to the last bit, which is what makes a saved model score
// identically.
package floatenc

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Float32s is a []float32 that marshals as base64 of its little-endian bytes.
type Float32s []float32

// Float64s is a []float64 that marshals as base64 of its little-endian bytes.
type Float64s []float64

func (f Float32s) MarshalJSON() ([]byte, error) { return marshal(f) }
func (f Float64s) MarshalJSON() ([]byte, error) { return marshal(f) }

func (f *Float32s) UnmarshalJSON(b []byte) error { return unmarshal((*[]float32)(f), b) }
func (f *Float64s) UnmarshalJSON(b []byte) error { return unmarshal((*[]float64)(f), b) }

func size[T float32 | float64]() int {
	var z T
	if _, ok := any(z).(float32); ok {
		return 4
	}
	return 8
}

func marshal[S ~[]T, T float32 | float64](f S) ([]byte, error) {
	n := size[T]()
	buf := make([]byte, n*len(f))
	for i, v := range f {
		if n == 4 {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(v)))
		} else {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(float64(v)))
		}
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(buf))
}

func unmarshal[T float32 | float64](dst *[]T, b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("float array must be a base64 string")
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("float array: %w", err)
	}
	n := size[T]()
	if len(raw)%n != 0 {
		return fmt.Errorf("float array has %d bytes, not a multiple of %d", len(raw), n)
	}
	out := make([]T, len(raw)/n)
	for i := range out {
		if n == 4 {
			out[i] = T(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		} else {
			out[i] = T(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	}
	*dst = out
	return nil
}
