package demo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/memlsm/memlsm/internal/atomicfile"
)

// Report file names in a report folder.
const (
	ReportHTML = "index.html"
	ReportJSON = "demo.json"
	ReportText = "demo.txt"
	// SweepSubdir holds the sweep's results folder (table, summary,
	// plots, the spec) — what `memlsm sweep` writes.
	SweepSubdir = "sweep"
)

// CheckReportDir refuses a report folder that exists and holds anything
// (a report never replaces a user's files); a missing or empty one is
// fine.
func CheckReportDir(dir string) error {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(ents) > 0:
		return fmt.Errorf("%s is not empty (%d entries): give a new or empty folder", dir, len(ents))
	}
	return nil
}

// RunReport runs the demo (Run) with its sweep in dir/sweep and writes the
// report into dir (WriteReport). The folder is built beside dir under a
// temporary name and renamed into place at the end, so a run that fails
// or is stopped leaves nothing behind. It returns the files written,
// relative to dir.
func RunReport(ctx context.Context, cfg Config, dir string) (*Result, []string, error) {
	if err := CheckReportDir(dir); err != nil {
		return nil, nil, fmt.Errorf("demo report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return nil, nil, fmt.Errorf("demo report: %w", err)
	}
	d, err := atomicfile.NewDir(filepath.Clean(dir))
	if err != nil {
		return nil, nil, fmt.Errorf("demo report: %w", err)
	}
	defer d.Remove()
	cfg.SweepDir = filepath.Join(d.Path, SweepSubdir)
	res, err := Run(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	files, err := res.WriteReport(d.Path)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if err := d.Commit(); err != nil {
		return nil, nil, fmt.Errorf("demo report: %w", err)
	}
	if res.Sweep != nil && res.Sweep.Dir != "" {
		res.Sweep.Dir = filepath.Join(dir, SweepSubdir)
	}
	return res, files, nil
}

// figure is one PNG of the report: written beside index.html and embedded
// in it.
type figure struct {
	Part    string
	File    string
	Caption string
	write   func(path string) error
	data    template.URL // data: URI, filled after writing
}

// WriteReport writes a self-contained HTML report of r into dir (which
// must exist): index.html with every figure embedded, the figures beside
// it as PNG files, the JSON (demo.json), the screen text (demo.txt) and,
// when the sweep ran with its folder in dir/sweep, its table and plots.
// It returns the files written, relative to dir.
func (r *Result) WriteReport(dir string) ([]string, error) {
	var figs []figure
	if r.Macro != nil {
		figs = append(figs, figure{Part: PartMacro, File: "macro-conductance.png",
			Caption: "Formed conductances of the whole simulated macro, read once after one forming pulse (histogram in whole ADC codes).",
			write:   r.Macro.Sample.PlotFile})
	}
	if c := r.Classification; c != nil {
		figs = append(figs,
			figure{Part: PartClassify, File: "confusion-images.png", Caption: "Confusion matrix, images, summed over the folds.", write: c.Images.PlotConfusionFile},
			figure{Part: PartClassify, File: "confusion-audio.png", Caption: "Confusion matrix, audio, summed over the folds.", write: c.Audio.PlotConfusionFile})
	}
	if z := r.ZeroShot; z != nil && z.Headline != nil {
		if z.Headline.Contrastive != nil {
			figs = append(figs, figure{Part: PartZeroShot, File: "zeroshot-pairs-contrastive.png",
				Caption: "Unseen retrieval per unseen pair, contrastive head (the paper's approach).", write: z.Headline.Contrastive.PlotDesignsFile})
		}
		if z.Headline.SideInfo != nil {
			figs = append(figs, figure{Part: PartZeroShot, File: "zeroshot-pairs-side-info.png",
				Caption: "Unseen retrieval per unseen pair, through class side information.", write: z.Headline.SideInfo.PlotDesignsFile})
		}
	}
	if s := r.Sweep; s != nil && s.Dir != "" {
		for _, f := range s.Files {
			if strings.HasSuffix(f, ".png") {
				src := filepath.Join(s.Dir, f)
				rel, err := filepath.Rel(dir, src)
				if err != nil || strings.HasPrefix(rel, "..") {
					rel = filepath.Base(f)
				}
				figs = append(figs, figure{Part: PartSweep, File: rel, Caption: sweepCaption(f), write: copyFrom(src)})
			}
		}
	}
	files := []string{}
	for i := range figs {
		f := &figs[i]
		path := filepath.Join(dir, f.File)
		if err := f.write(path); err != nil {
			return nil, fmt.Errorf("demo report: %s: %w", f.File, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("demo report: %w", err)
		}
		f.data = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
		files = append(files, f.File)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("demo report: %w", err)
	}
	var txt bytes.Buffer
	if err := r.WriteText(&txt); err != nil {
		return nil, err
	}
	page, err := r.html(figs)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{ReportJSON, append(js, '\n')}, {ReportText, txt.Bytes()}, {ReportHTML, page}} {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), f.b); err != nil {
			return nil, fmt.Errorf("demo report: %w", err)
		}
		files = append(files, f.name)
	}
	if s := r.Sweep; s != nil && s.Dir != "" {
		for _, f := range s.Files {
			if rel, err := filepath.Rel(dir, filepath.Join(s.Dir, f)); err == nil && !strings.HasPrefix(rel, "..") && !contains(files, rel) {
				files = append(files, rel)
			}
		}
	}
	sort.Strings(files)
	return files, nil
}

func sweepCaption(f string) string {
	base := strings.TrimSuffix(filepath.Base(f), ".png")
	if strings.HasSuffix(base, "_energy_pareto") {
		return "Sweep: accuracy against the projected chip's energy per inference; the line joins the Pareto front (mean over seeds with 95 % intervals)."
	}
	return "Sweep: " + strings.ReplaceAll(base, "_", " ") + " (main effect: mean ± 95 % CI of all runs at each value; each point's own mean beside it)."
}

// copyFrom returns a writer of path that copies src (a sweep plot that
// already lies in place is left as it is).
func copyFrom(src string) func(path string) error {
	return func(path string) error {
		if filepath.Clean(src) == filepath.Clean(path) {
			return nil
		}
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		return atomicfile.Write(path, func(w io.Writer) error { _, err := io.Copy(w, in); return err })
	}
}

// htmlSection is one part of the page.
type htmlSection struct {
	Title    string
	Header   []string
	Rows     [][]string
	Lines    []string
	Figures  []figure
	Commands []Command
	Pre      string        // a block of preformatted text (the sweep's spec)
	Extra    template.HTML // rendered Markdown (the cost model's report)
}

func (r *Result) html(figs []figure) ([]byte, error) {
	var secs []htmlSection
	for _, s := range r.sections(true) {
		h := htmlSection{Title: s.title, Lines: s.lines}
		if len(s.rows) > 0 {
			h.Header, h.Rows = s.rows[0], s.rows[1:]
		}
		for _, f := range figs {
			if f.Part == s.part {
				h.Figures = append(h.Figures, f)
			}
		}
		for _, c := range r.Commands {
			if c.Part == s.part {
				h.Commands = append(h.Commands, c)
			}
		}
		if s.part == PartSweep && r.Sweep != nil {
			h.Pre = r.Sweep.Spec
		}
		if s.part == PartClassify && r.Classification != nil {
			if c := r.Classification.Images.Cost; c != nil {
				h.Extra = markdownHTML("Cost of one image inference, as the cost model prices it (package cost):\n\n" + c.Markdown())
			}
		}
		secs = append(secs, h)
	}
	var b bytes.Buffer
	err := pageTemplate.Execute(&b, struct {
		R        *Result
		Sections []htmlSection
	}{r, secs})
	if err != nil {
		return nil, fmt.Errorf("demo report: %w", err)
	}
	return b.Bytes(), nil
}

// A figure's fields for the template.
func (f figure) Src() template.URL { return f.data }

var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>memlsm demo, seed {{.R.Seed}}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 1.5em auto; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f2f2f2; }
.figs { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0.5em 0; flex: 1 1 30em; max-width: 34em; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
pre, code { background: #f6f6f6; font-size: 0.85em; }
pre { padding: 0.6em; overflow-x: auto; }
.cmd { margin: 0.3em 0; }
</style>
</head>
<body>
<h1>memlsm demo: the co-design loop on the embedded data</h1>
<p>Data: <code>{{.R.Images}}</code> and <code>{{.R.Audio}}</code>; simulated lin2025 macro; seed {{.R.Seed}};
{{printf "%.1f" .R.Seconds}} s for the whole run. Every figure of this page is in <a href="demo.json">demo.json</a>;
the screen the run printed is <a href="demo.txt">demo.txt</a>.</p>
{{range .Sections}}
<h2>{{.Title}}</h2>
{{if .Header}}<table>
<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{end}}
{{range .Lines}}<p>{{.}}</p>
{{end}}
{{if .Figures}}<div class="figs">{{end}}
{{range .Figures}}<figure><a href="{{.File}}"><img src="{{.Src}}" alt="{{.Caption}}"></a><figcaption>{{.Caption}} ({{.File}})</figcaption></figure>
{{end}}{{if .Figures}}</div>{{end}}
{{.Extra}}
{{if .Pre}}<pre>{{.Pre}}</pre>{{end}}
{{if .Commands}}<p><b>Reproduce</b></p>
{{range .Commands}}<div class="cmd">this figure: <code>{{.Demo}}</code></div>
<div class="cmd">full scale: <code>{{.FullScale}}</code></div>
{{if .Note}}<div class="cmd">{{.Note}}</div>{{end}}
{{end}}{{end}}
{{end}}
</body>
</html>
`))

// markdownHTML renders the little Markdown that results write — pipe
// tables, "- " lists, "#" headings, paragraphs, **bold** and `code` —
// as HTML, escaping everything else.
func markdownHTML(md string) template.HTML {
	var b strings.Builder
	inline := func(s string) string {
		s = template.HTMLEscapeString(s)
		for _, m := range []struct{ mark, open, close string }{{"**", "<b>", "</b>"}, {"`", "<code>", "</code>"}} {
			parts := strings.Split(s, m.mark)
			if len(parts)%2 == 0 {
				continue // unbalanced: leave as is
			}
			var o strings.Builder
			for i, p := range parts {
				if i%2 == 1 {
					o.WriteString(m.open + p + m.close)
				} else {
					o.WriteString(p)
				}
			}
			s = o.String()
		}
		return s
	}
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "":
		case strings.HasPrefix(l, "|"):
			b.WriteString("<table>\n")
			header := true
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				cells := strings.Split(strings.Trim(strings.TrimSpace(lines[i]), "|"), "|")
				if strings.Trim(strings.Join(cells, ""), "-: ") == "" {
					continue // the alignment row
				}
				tag := "td"
				if header {
					tag = "th"
				}
				b.WriteString("<tr>")
				for _, c := range cells {
					b.WriteString("<" + tag + ">" + inline(strings.TrimSpace(c)) + "</" + tag + ">")
				}
				b.WriteString("</tr>\n")
				header = false
			}
			i--
			b.WriteString("</table>\n")
		case strings.HasPrefix(l, "- "):
			b.WriteString("<ul>\n")
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "- "); i++ {
				b.WriteString("<li>" + inline(strings.TrimPrefix(strings.TrimSpace(lines[i]), "- ")) + "</li>\n")
			}
			i--
			b.WriteString("</ul>\n")
		case strings.HasPrefix(l, "#"):
			b.WriteString("<h3>" + inline(strings.TrimLeft(l, "# ")) + "</h3>\n")
		default:
			b.WriteString("<p>" + inline(l) + "</p>\n")
		}
	}
	return template.HTML(b.String())
}
