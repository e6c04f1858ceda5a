package experiment

import (
	"slices"
)

// ZeroShotChoices are the choices of a zero-shot run as a user gives them
// (class lists, seed lists, designs, protocol, selection, side
// information), before any data is opened. Plan parses and checks them;
// Apply puts them into a ZeroShotConfig. The command line binds its flags
// to these fields.
type ZeroShotChoices struct {
	Seen, Unseen string // class lists ("1-7", "8,9"); Unseen may be all-pairs or all-K
	Classes      string // the classes designs divide
	Designs      string // unseen sets LIST/LIST/..., run as designs
	CalibrateOn  string // classes whose samples calibrate the gains once ("": each run's seen classes)
	Subsets      int    // with all-K: a seeded sample of this many designs (0: all)
	Seeds        string // seed list of a sweep or of the designs ("" or "none": none)
	Scope        SweepScope
	Protocol     Protocol
	Select       bool    // choose the epoch (or ridge) and a gain on validation classes
	SelectGains  string  // candidate gain factors of Select
	SelectSplits int     // validation splits (0: the default)
	SideInfo     string  // class descriptors, MODALITY=SET,...
	Ridge        float64 // ridge penalty of descriptor heads
	TestFraction float64
	PairAll      bool
	Trace        bool
	// Names are the two modalities (side information names them); zero
	// means DefaultModalities.
	Names Modalities

	// SeenGiven, UnseenGiven and ScopeGiven say which of Seen, Unseen and
	// Scope the user set (designs fix the seen classes and the scope).
	SeenGiven, UnseenGiven, ScopeGiven bool
}

// ZeroShotPlan is what the choices decide.
type ZeroShotPlan struct {
	Seen, Unseen []string
	Seeds        []uint64
	Designs      UnseenSpec // K > 0: all-pairs or all-K
	DesignList   [][]string // Designs
	Classes      []string
}

// Many reports whether the plan runs designs rather than one experiment.
func (p ZeroShotPlan) Many() bool { return p.Designs.Designs() || p.DesignList != nil }

// Plan parses and checks the choices; errors match ErrConfig and name the
// choice ("unseen: bad class range", ...).
func (c ZeroShotChoices) Plan() (p ZeroShotPlan, err error) {
	wrap := func(name string, err error) error { return configErrorf("%s: %w", name, err) }
	if p.Seen, err = ParseClasses(c.Seen); err != nil {
		return p, wrap("seen", err)
	}
	if p.Designs, err = ParseUnseen(c.Unseen); err != nil {
		return p, wrap("unseen", err)
	}
	p.Unseen = p.Designs.Classes
	if p.Classes, err = ParseClasses(c.Classes); err != nil {
		return p, wrap("classes", err)
	}
	if c.Designs != "" {
		if p.DesignList, err = ParseDesigns(c.Designs); err != nil {
			return p, wrap("designs", err)
		}
		if c.UnseenGiven {
			return p, configErrorf("give designs or unseen classes, not both")
		}
	}
	if p.Many() {
		switch {
		case c.SeenGiven:
			return p, configErrorf("with designs the seen classes are the rest of the classes: give no seen classes")
		case c.Trace:
			return p, configErrorf("designs run many experiments: a per-epoch trace applies to one")
		case c.ScopeGiven && c.Scope != SweepMacro:
			return p, configErrorf("with designs every seed forms its own macro: the sweep scope must be macro")
		}
		p.Seen = nil
	} else if c.Subsets != 0 {
		return p, configErrorf("a sample of subsets needs unseen all-K")
	}
	if c.CalibrateOn != "" {
		if _, err := ParseClasses(c.CalibrateOn); err != nil {
			return p, wrap("calibrate on", err)
		}
	}
	if _, err := ParseFactors(c.SelectGains); err != nil {
		return p, wrap("select gains", err)
	}
	if _, err := ParseSideInfo(c.SideInfo, c.names()); err != nil {
		return p, wrap("side info", err)
	}
	for _, k := range p.Unseen {
		if slices.Contains(p.Seen, k) {
			return p, configErrorf("class %s is both seen and unseen (seen %s, unseen %s): they must not overlap", k, c.Seen, c.Unseen)
		}
	}
	if p.Seeds, err = ParseSeeds(c.Seeds); err != nil {
		return p, wrap("seeds", err)
	}
	if c.TestFraction != 0 && !(c.TestFraction > 0 && c.TestFraction < 1) {
		return p, configErrorf("test fraction %v: want a fraction in (0, 1)", c.TestFraction)
	}
	return p, nil
}

// Apply puts the choices and their plan into cfg: classes, seeds and
// scope (none for designs, which take the seeds themselves), protocol,
// selection, side information, calibration classes, test fraction,
// pairing and trace.
func (c ZeroShotChoices) Apply(cfg *ZeroShotConfig, p ZeroShotPlan) error {
	cfg.Seen, cfg.Unseen, cfg.TestFraction, cfg.PairAll = p.Seen, p.Unseen, c.TestFraction, c.PairAll
	cfg.Seeds, cfg.SweepScope, cfg.Trace, cfg.Protocol = p.Seeds, c.Scope, c.Trace, c.Protocol
	if p.Many() {
		cfg.Seeds, cfg.SweepScope = nil, 0
	}
	var err error
	if c.CalibrateOn != "" {
		if cfg.CalibrateOn, err = ParseClasses(c.CalibrateOn); err != nil {
			return err
		}
	}
	if cfg.SideInfo, err = ParseSideInfo(c.SideInfo, c.names()); err != nil {
		return err
	}
	if cfg.SideInfo != nil {
		cfg.SideInfo.Ridge = c.Ridge
	}
	if c.Select || c.SelectSplits != 0 {
		cfg.Select = &Selection{Splits: c.SelectSplits, Head: c.Select}
		if c.Select {
			cfg.Select.GainFactors, _ = ParseFactors(c.SelectGains)
		}
	}
	return nil
}

// DesignsOf is the designs configuration of a plan that runs many, over
// base; sample is the number of all-K designs to draw (0: all).
func (p ZeroShotPlan) DesignsOf(base ZeroShotConfig, sample int) DesignsConfig {
	return DesignsConfig{Base: base, Classes: p.Classes, K: p.Designs.K, Sample: sample, Designs: p.DesignList, Seeds: p.Seeds}
}

func (c ZeroShotChoices) names() Modalities {
	if c.Names == (Modalities{}) {
		return DefaultModalities
	}
	return c.Names
}
