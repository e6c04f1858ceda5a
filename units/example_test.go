package units_test

import (
	"flag"
	"fmt"

	"github.com/memlsm/memlsm/units"
)

func Example() {
	fs := flag.NewFlagSet("macro", flag.ContinueOnError)
	vform := units.Volts(3.0)
	width := units.Seconds(1e-6)
	fs.Var(&vform, "vform", "forming voltage")
	fs.Var(&width, "width", "pulse width")
	_ = fs.Parse([]string{"-vform", "3.2V", "-width", "100ns"})

	g := units.Siemens(14.25e-6)
	fmt.Println(vform, width, g, g.Ohms())
	fmt.Printf("%.2f µS\n", g.Micro())
	// Output:
	// 3.2V 100ns 14.25µS 70.1754kΩ
	// 14.25 µS
}
