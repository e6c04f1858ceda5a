package calibrate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/crossbar"
)

// Report files of a results folder.
const (
	ReportMarkdown = "report.md"
	ReportHTML     = "report.html"
)

// WriteReport (re)writes dir's report from everything the folder holds:
// report.md, whose figures link the experiments' PNG files, and
// report.html, a self-contained page with the PNGs inlined. Both list
// every experiment with its parameters, seed, fitted values and figures,
// and the parameters calibrate.Fit derives from them.
func WriteReport(dir string) error {
	res, err := Load(dir)
	if err != nil {
		return err
	}
	md, page := Report(res)
	if err := writeFileAtomic(filepath.Join(dir, ReportMarkdown), md); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ReportHTML), page)
}

// Report renders the report of res as Markdown and as HTML.
func Report(res *Results) (markdown, page []byte) {
	d := buildReport(res)
	return d.markdown(), d.html()
}

// A report is a list of blocks rendered twice.
type block struct {
	kind    string // h1, h2, h3, p, table, figure, list, code
	text    string
	head    []string
	rows    [][]string
	items   []string
	fig     Figure
	figPath string // relative to the results folder
}

type doc []block

func (d *doc) h(level int, s string) {
	*d = append(*d, block{kind: "h" + strconv.Itoa(level), text: s})
}
func (d *doc) p(format string, args ...any) {
	*d = append(*d, block{kind: "p", text: fmt.Sprintf(format, args...)})
}
func (d *doc) table(head []string, rows [][]string) {
	*d = append(*d, block{kind: "table", head: head, rows: rows})
}
func (d *doc) list(items []string) {
	if len(items) > 0 {
		*d = append(*d, block{kind: "list", items: items})
	}
}
func (d *doc) figure(f Figure, path string) {
	*d = append(*d, block{kind: "figure", fig: f, figPath: path})
}

// num formats a reported number.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 5, 64)
}

func buildReport(res *Results) doc {
	var d doc
	m := res.Manifest
	d.h(1, "memlsm device characterisation")
	dev := ""
	if m.Device != "" {
		dev = fmt.Sprintf(" (simulated device **%s**)", m.Device)
	}
	d.p("Board **%s**%s, seed **%d**, base parameters **%s**, array %d×%d. Limits from the %s, read voltage %v (%s), clock: %s.",
		m.Board, dev, m.Seed, m.Base, m.Geometry.Rows, m.Geometry.Cols, m.LimitsFrom, m.ReadVoltage, m.ReadVFrom, m.Clock)
	l := m.Limits
	d.p("Safety limits enforced on every pulse: form ≤ %v, set ≤ %v, reset ≤ %v, width %v…%v, gate ≤ %v, duty ≤ %g, cells per pulse ≤ %s.",
		l.MaxAmplitude[crossbar.Form], l.MaxAmplitude[crossbar.Set], l.MaxAmplitude[crossbar.Reset], l.MinWidth, l.MaxWidth, l.MaxGate, l.MaxDuty,
		map[bool]string{true: "no limit", false: strconv.Itoa(l.MaxCells)}[l.MaxCells == 0])
	var rows [][]string
	for _, n := range Names {
		en := m.Experiments[n]
		if en == nil {
			rows = append(rows, []string{n, "not run", "", "", "", "", ""})
			continue
		}
		rows = append(rows, []string{n, string(en.Status), en.Region.String(), strconv.Itoa(en.Attempts),
			strconv.FormatInt(en.Ops.Pulses, 10), strconv.FormatInt(en.Ops.ReadCells, 10), fmt.Sprintf("%.2f", en.Seconds)})
	}
	d.table([]string{"experiment", "status", "cells", "attempts", "pulses", "cells read", "wall s"}, rows)

	d.h(2, "Fitted device parameters")
	p, fr, err := Fit(res)
	_ = p
	if err != nil {
		d.p("**The fit failed:** %s", err)
	}
	var fitted, inherited [][]string
	for _, f := range fr.Fields {
		row := []string{"`" + f.Name + "`", num(f.Value), f.Unit, num(f.Base), "", f.Source}
		if f.Fitted {
			if f.SE > 0 {
				row[4] = num(f.SE)
			}
			fitted = append(fitted, row)
		} else {
			inherited = append(inherited, row)
		}
	}
	d.p("%d fields measured, %d inherited from %s. `memlsm calibrate fit %s --out params.json` writes them as a parameter file every `--params` flag loads.",
		len(fitted), len(inherited), fr.Base, res.Dir)
	d.table([]string{"parameter", "value", "unit", "base", "SE", "source"}, fitted)
	if len(fr.Checks) > 0 {
		d.h(3, "Cross-checks")
		var cr [][]string
		for _, c := range fr.Checks {
			cr = append(cr, []string{c.Name, num(c.Value), num(c.Reference), c.Unit, c.Note})
		}
		d.table([]string{"check", "value", "reference", "unit", "note"}, cr)
	}
	if len(fr.Notes) > 0 {
		d.h(3, "Notes")
		d.list(fr.Notes)
	}
	d.h(3, "Inherited parameters")
	d.table([]string{"parameter", "value", "unit", "base", "SE", "source"}, inherited)

	for _, n := range Names {
		r := res.Get(n)
		if r == nil {
			continue
		}
		d.h(2, "Experiment: "+n)
		en := m.Experiments[n]
		d.p("Cells %v, seed %d, board %s; %d pulses on %d cells, %d cells read, %d MVMs, %v idle. %s",
			r.Region, r.Seed, r.Board, r.Ops.Pulses, r.Ops.PulseCells, r.Ops.ReadCells, r.Ops.MVMs, r.Ops.Waited, experimentDoc[n])
		_ = en
		d.h(3, "Parameters")
		d.table([]string{"parameter", "value"}, configRows(r.Experiment))
		d.h(3, "Results")
		if r.AnalysisErr != "" {
			d.p("**Analysis failed:** %s", r.AnalysisErr)
		}
		if r.Analysis != nil {
			var qr [][]string
			for _, q := range r.Analysis.Summary() {
				qr = append(qr, []string{q.Name, num(q.Value), q.Unit, q.Note})
			}
			d.table([]string{"quantity", "value", "unit", "note"}, qr)
		}
		var tables []string
		for t := range r.Tables {
			tables = append(tables, fmt.Sprintf("`%s/%s.csv` (%d rows)", n, t, r.Tables[t].Nrow()))
		}
		sort.Strings(tables)
		d.p("Data: %s.", strings.Join(tables, ", "))
		for _, f := range r.Figures {
			d.figure(f, n+"/"+f.Name)
		}
	}
	return d
}

// experimentDoc is one sentence per experiment for the report.
var experimentDoc = map[string]string{
	"form":        "Per-cell forming ramp until breakdown; the model's breakdown-voltage distribution is recovered from the apparent one by an interval-censored fit that removes the ramp's cumulative stress.",
	"switch":      "One pulse per fresh cell at each amplitude and width; P_switch(V) fitted with a normal CDF by binomial maximum likelihood.",
	"conductance": "One forming pulse over the region, the conductance map, and a set/reset test for stuck cells.",
	"noise":       "Repeated reads of formed cells: relative read noise per cell and its dependence on conductance.",
	"drift":       "Conductance versus time after programming, LRS and HRS side by side, with the power-law relaxation fitted.",
	"iv":          "Currents of selected cells at fractions of the read voltage through MVM.",
}

// configRows flattens a configuration into parameter/value rows.
func configRows(e Experiment) [][]string {
	var m map[string]any
	_ = json.Unmarshal(configJSON(e), &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rows [][]string
	for _, k := range keys {
		var s string
		switch v := m[k].(type) {
		case float64:
			s = num(v)
		default:
			b, _ := json.Marshal(v)
			s = string(b)
			if len(s) > 160 {
				s = s[:157] + "…"
			}
		}
		rows = append(rows, []string{"`" + k + "`", s})
	}
	return rows
}

func (d doc) markdown() []byte {
	var b bytes.Buffer
	for _, bl := range d {
		switch bl.kind {
		case "h1", "h2", "h3":
			fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", int(bl.kind[1]-'0')), bl.text)
		case "p":
			fmt.Fprintf(&b, "%s\n\n", bl.text)
		case "list":
			for _, it := range bl.items {
				fmt.Fprintf(&b, "- %s\n", it)
			}
			b.WriteString("\n")
		case "table":
			if len(bl.rows) == 0 {
				b.WriteString("(none)\n\n")
				continue
			}
			cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
			b.WriteString("|")
			for _, h := range bl.head {
				fmt.Fprintf(&b, " %s |", cell(h))
			}
			b.WriteString("\n|")
			for range bl.head {
				b.WriteString("---|")
			}
			b.WriteString("\n")
			for _, r := range bl.rows {
				b.WriteString("|")
				for _, c := range r {
					fmt.Fprintf(&b, " %s |", cell(c))
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		case "figure":
			fmt.Fprintf(&b, "![%s](%s)\n\n*%s*\n\n", bl.fig.Name, bl.figPath, bl.fig.Caption)
		}
	}
	return b.Bytes()
}

// inline renders the Markdown subset the report uses (**bold** and
// `code`) as HTML, escaping everything else.
func inline(s string) string {
	s = html.EscapeString(s)
	for _, t := range []struct{ mark, open, close string }{{"**", "<b>", "</b>"}, {"`", "<code>", "</code>"}} {
		for {
			i := strings.Index(s, t.mark)
			if i < 0 {
				break
			}
			j := strings.Index(s[i+len(t.mark):], t.mark)
			if j < 0 {
				break
			}
			j += i + len(t.mark)
			s = s[:i] + t.open + s[i+len(t.mark):j] + t.close + s[j+len(t.mark):]
		}
	}
	return s
}

const reportCSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #0072b2}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:0.6em 0 1.2em;font-size:0.92em}
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left;vertical-align:top}th{background:#eef3f8}
tr:nth-child(even) td{background:#fafafa}code{background:#f2f2f2;padding:0 0.2em}
figure{margin:1em 0 2em}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-style:italic;color:#555}`

func (d doc) html() []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>memlsm device characterisation</title>\n<style>")
	b.WriteString(reportCSS)
	b.WriteString("</style></head><body>\n")
	for _, bl := range d {
		switch bl.kind {
		case "h1", "h2", "h3":
			fmt.Fprintf(&b, "<%s>%s</%s>\n", bl.kind, inline(bl.text), bl.kind)
		case "p":
			fmt.Fprintf(&b, "<p>%s</p>\n", inline(bl.text))
		case "list":
			b.WriteString("<ul>\n")
			for _, it := range bl.items {
				fmt.Fprintf(&b, "<li>%s</li>\n", inline(it))
			}
			b.WriteString("</ul>\n")
		case "table":
			if len(bl.rows) == 0 {
				b.WriteString("<p>(none)</p>\n")
				continue
			}
			b.WriteString("<table><thead><tr>")
			for _, h := range bl.head {
				fmt.Fprintf(&b, "<th>%s</th>", inline(h))
			}
			b.WriteString("</tr></thead><tbody>\n")
			for _, r := range bl.rows {
				b.WriteString("<tr>")
				for _, c := range r {
					fmt.Fprintf(&b, "<td>%s</td>", inline(c))
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody></table>\n")
		case "figure":
			fmt.Fprintf(&b, "<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\"><figcaption>%s</figcaption></figure>\n",
				html.EscapeString(bl.fig.Name), base64.StdEncoding.EncodeToString(bl.fig.PNG), inline(bl.fig.Caption))
		}
	}
	b.WriteString("</body></html>\n")
	return b.Bytes()
}
