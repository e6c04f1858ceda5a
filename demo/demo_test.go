package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/experiment"
)

// smallSweep is a two-point, one-seed sweep on five images per digit.
const smallSweep = `name: small
run:
  experiment: classify
  data: embedded:images
  per_class: 5
  mode: in-memory
axes:
  - name: adc_bits
    values: [8, 14]
design: grid
seeds: [1]
`

var (
	smallOnce sync.Once
	smallRes  *Result
	smallDir  string
	smallErr  error
)

// small runs the demo at a small scale once for every test: 30 images and
// 30 recordings per class, 3 folds, the small sweep, into a report folder.
func small(t *testing.T) (*Result, string) {
	t.Helper()
	smallOnce.Do(func() {
		ctx := context.Background()
		img, err := source.Open(ctx, ImagesSource)
		if err != nil {
			smallErr = err
			return
		}
		aud, err := source.Open(ctx, AudioSource)
		if err != nil {
			smallErr = err
			return
		}
		smallDir, smallErr = os.MkdirTemp("", "memlsm-demo-test-")
		if smallErr != nil {
			return
		}
		smallRes, smallErr = Run(ctx, Config{Images: img.Head(30), Audio: aud.Head(30), Folds: 3,
			Sweep: &SweepConfig{YAML: smallSweep}, SweepDir: filepath.Join(smallDir, SweepSubdir), ZeroShotPairs: 3, ZeroShotEpochs: 2})
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return smallRes, smallDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if smallDir != "" {
		os.RemoveAll(smallDir)
	}
	os.Exit(code)
}

func TestRun(t *testing.T) {
	r, _ := small(t)
	if m := r.Macro; m == nil || m.Sample.FormedFraction < 0.99 || abs(m.Sample.MeanUS-PaperGMeanUS) > 0.5 || abs(m.Sample.StdUS-PaperGStdUS) > 0.5 {
		t.Errorf("macro %+v", r.Macro)
	}
	c := r.Classification
	if c == nil || c.Folds != 3 || c.Images.Folds != 3 || c.Audio.Folds != 3 || c.Images.TestSamples != 300 || c.Audio.TestSamples != 300 {
		t.Fatalf("classification %+v", c)
	}
	// Well above chance (0.1) on both, with a spread over folds.
	for _, x := range []float64{c.Images.Accuracy, c.Audio.Accuracy} {
		if x < 0.5 {
			t.Errorf("accuracy %.3f", x)
		}
	}
	if c.Images.AccuracyStd <= 0 || c.Images.Cost == nil {
		t.Errorf("images: spread %g, cost %v", c.Images.AccuracyStd, c.Images.Cost)
	}
	// The board gives part 2's audio figures exactly, over a pty.
	b := r.Board
	if b == nil || !b.Same || b.Result.Accuracy != c.Audio.Accuracy || !strings.HasPrefix(b.Path, "/dev/") || len(b.Result.Macro.Link) != 1 || b.Result.Macro.Link[0].Requests == 0 {
		t.Errorf("board %+v", b)
	}
	s := r.Sweep
	if s == nil || len(s.Points) != 2 || s.Runs != 2 || s.Failed != 0 || len(s.Pareto) == 0 {
		t.Fatalf("sweep %+v", s)
	}
	// More ADC bits cost the chip more energy per inference; the digital
	// baseline has no ADC.
	if !(s.Points[1].ChipEnergyJ.Mean > s.Points[0].ChipEnergyJ.Mean) || s.Points[0].DigitalEnergyJ.Mean <= 0 || s.Points[0].ChipLatencyS.Mean <= 0 {
		t.Errorf("sweep points %+v", s.Points)
	}
	if !s.Points[0].Pareto {
		t.Errorf("the cheaper point is not on the front: %+v", s.Points)
	}
	z := r.ZeroShot
	if z == nil || z.Headline == nil || z.Headline.Contrastive == nil || z.Headline.SideInfo == nil || z.Headline.PaperUnseenTop1 != experiment.PaperUnseenTop1 {
		t.Fatalf("zero-shot %+v", z)
	}
	if len(r.Commands) != len(Parts) {
		t.Errorf("%d commands for %d parts", len(r.Commands), len(Parts))
	}
}

// TestText: one screen, every part in order.
func TestText(t *testing.T) {
	r, _ := small(t)
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	last := -1
	for _, title := range []string{"1. The macro", "2. Classification", "3. Zero-shot", "4. Co-design sweep", "5. The audio classification again"} {
		i := strings.Index(out, title)
		if i < 0 || i < last {
			t.Errorf("%q missing or out of order:\n%s", title, out)
		}
		last = i
	}
	if n := strings.Count(out, "\n"); n > 50 {
		t.Errorf("%d lines; one screen is at most 50:\n%s", n, out)
	}
	if !strings.Contains(out, "14.25 µS") || !strings.Contains(out, "Identical to the simulated macro") || !strings.Contains(out, "0.875") {
		t.Errorf("text lacks the paper's figures or the board's verdict:\n%s", out)
	}
	t.Log("\n" + out)
}

// TestJSONKeys: every key the demo adds is snake_case, and the JSON
// round-trips.
func TestJSONKeys(t *testing.T) {
	r, _ := small(t)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)
	// The demo's own keys; the experiments' results inside it (their own
	// contract) and the sweep's axis values (keyed by the user's axis
	// names) are not walked.
	foreign := []string{".macro.sample", ".classification.images", ".classification.audio", ".board.result", ".zero_shot.headline", ".values"}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		for _, f := range foreign {
			if strings.HasSuffix(path, f) {
				return
			}
		}
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !snake.MatchString(k) {
					t.Errorf("key %s.%s is not snake_case", path, k)
				}
				walk(path+"."+k, x)
			}
		case []any:
			for _, x := range v {
				walk(path+"[]", x)
			}
		}
	}
	walk("", m)
	for _, k := range []string{"macro", "classification", "zero_shot", "sweep", "board", "commands", "part_seconds", "seconds"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in the JSON", k)
		}
	}
}

// TestReport writes the HTML report and renders it in a real headless
// browser (Debian's chromium) when one is installed.
func TestReport(t *testing.T) {
	r, dir := small(t)
	files, err := r.WriteReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{ReportHTML, ReportJSON, ReportText, "macro-conductance.png", "confusion-images.png", "confusion-audio.png",
		"zeroshot-pairs-contrastive.png", "sweep/" + SweepFile, "sweep/results.csv", "sweep/plots/accuracy_energy_pareto.png"} {
		if !contains(files, want) {
			t.Errorf("report lacks %s: %v", want, files)
		}
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Error(err)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, ReportHTML))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	// Self-contained: every figure embedded; the commands of every part.
	if n := strings.Count(html, `src="data:image/png;base64,`); n < 6 {
		t.Errorf("%d embedded figures", n)
	}
	for _, c := range r.Commands {
		if !strings.Contains(html, htmlEscape(c.Demo)) || !strings.Contains(html, htmlEscape(c.FullScale)) {
			t.Errorf("report lacks the commands of %s", c.Part)
		}
	}
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Error("the report refers to the network")
	}

	browser := ""
	for _, b := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(b); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no headless browser (Debian's chromium) installed: the HTML was checked, not rendered")
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--window-size=1280,2400", "--screenshot="+shot, "file://"+filepath.Join(dir, ReportHTML))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// The rendered page is not blank: a good share of it is drawn.
	bd := img.Bounds()
	drawn, all := 0, 0
	for y := bd.Min.Y; y < bd.Max.Y; y += 4 {
		for x := bd.Min.X; x < bd.Max.X; x += 4 {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0xe000 || g < 0xe000 || b < 0xe000 {
				drawn++
			}
			all++
		}
	}
	if bd.Dx() != 1280 || drawn < all/50 {
		t.Errorf("screenshot %v with %d of %d sampled pixels drawn", bd, drawn, all)
	}
	t.Logf("chromium rendered the report: %v, %.1f %% drawn", bd, 100*float64(drawn)/float64(all))
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Run(ctx, Config{Skip: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "no part") {
		t.Errorf("unknown part: %v", err)
	}
	if _, err := Run(ctx, Config{Folds: 1}); err == nil || !strings.Contains(err.Error(), "folds") {
		t.Errorf("one fold: %v", err)
	}
}

// TestRunReportStopped: a stopped run leaves no report folder behind.
func TestRunReportStopped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := RunReport(ctx, Config{Skip: []string{PartClassify, PartZeroShot, PartSweep, PartBoard}}, dir); err == nil {
		t.Fatal("a cancelled run wrote a report")
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
	if _, err := ParseParts("sweep,bord"); err == nil || !strings.Contains(err.Error(), "did you mean board?") {
		t.Errorf("ParseParts: %v", err)
	}
}

func TestEng(t *testing.T) {
	for x, want := range map[float64]string{3.44028e-6: "3.44 µJ", 22.17e-3: "22.2 mJ", 196.541e-9: "197 nJ", 0: "0 J", 1.5: "1.50 J"} {
		if got := eng(x, "J"); got != want {
			t.Errorf("eng(%g) = %q, want %q", x, got, want)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

func TestMarkdownHTML(t *testing.T) {
	got := string(markdownHTML("### Cost\n\n| a | b |\n|---|---:|\n| x<y | **2** |\n\nSee `memlsm cost`.\n\n- one\n- two"))
	want := "<h3>Cost</h3>\n<table>\n<tr><th>a</th><th>b</th></tr>\n<tr><td>x&lt;y</td><td><b>2</b></td></tr>\n</table>\n<p>See <code>memlsm cost</code>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
