// Command gen writes memlsm's built-in class descriptors (package
// descriptor): the phonetic set from espeak-ng's transcriptions of the
// digit names and the shape set from the digit skeletons. Run it with
// `go generate` in descriptor/; it needs espeak-ng (Debian: apt-get
// install espeak-ng), building and testing memlsm do not.
//
//	go run ./internal/gen -out data
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/memlsm/memlsm/descriptor"
)

// voices are the espeak-ng voices whose transcriptions are averaged:
// American and British English (assumption: the speakers of the spoken
// digit corpora speak one of the two or learnt one of them).
var voices = []string{"en-us", "en-gb"}

var words = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

func main() {
	out := flag.String("out", "data", "directory to write phonetic.json and shape.json to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	version, err := espeak("--version")
	if err != nil {
		return fmt.Errorf("espeak-ng is needed to transcribe the digit names: %w", err)
	}
	version = strings.TrimSpace(strings.SplitN(version, "Data at", 2)[0])
	tr := map[string]map[string]string{}
	named := map[string]string{}
	for d, w := range words {
		c := fmt.Sprint(d)
		named[c] = w
		tr[c] = map[string]string{}
		for _, v := range voices {
			ipa, err := espeak("-v", v, "-q", "-x", "--ipa", "--sep=_", w)
			if err != nil {
				return err
			}
			tr[c][v] = strings.TrimSpace(ipa)
		}
	}
	ph, err := descriptor.FromIPA("phonetic",
		fmt.Sprintf("articulatory features of the digit names as %s transcribes them (`espeak-ng -v VOICE -q -x --ipa --sep=_ WORD`), voices %s averaged",
			version, strings.Join(voices, ", ")),
		named, tr)
	if err != nil {
		return err
	}
	sh, err := descriptor.FromStrokes("shape", "topology, stroke directions, ink spread and symmetry of the digit skeletons of descriptor.DigitGlyphs", descriptor.DigitGlyphs())
	if err != nil {
		return err
	}
	for _, s := range []*descriptor.Set{ph, sh} {
		b, err := s.Marshal()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, s.Name+".json"), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func espeak(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "espeak-ng", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("espeak-ng %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
