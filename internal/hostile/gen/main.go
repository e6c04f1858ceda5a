//go:build unix

// Command gen writes memlsm's adversarial corpus (package hostile) into a
// folder and prints, for each case, the memlsm command that must refuse it:
//
//	go run ./internal/hostile/gen -out /tmp/hostile [-scale issue]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/memlsm/memlsm/internal/hostile"
)

func main() {
	out := flag.String("out", "", "folder to write the corpus into (created)")
	scale := flag.String("scale", "ci", "file sizes: ci (small) or issue (the sizes the probe reported)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out DIR is required")
		os.Exit(2)
	}
	s := hostile.CI
	switch *scale {
	case "ci":
	case "issue":
		s = hostile.Issue
	default:
		fmt.Fprintf(os.Stderr, "gen: -scale %q is not ci or issue\n", *scale)
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for _, c := range hostile.Cases() {
		args, err := c.Make(*out, s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: %s: %v\n", c.Name, err)
			os.Exit(1)
		}
		fmt.Printf("%s\tmemlsm %s\t# %s\n", c.Name, strings.Join(args, " "), c.Describe())
	}
}
