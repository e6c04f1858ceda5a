package demo

import (
	"fmt"

	"github.com/memlsm/memlsm/experiment"
)

// commands says how to reproduce each part: the command that gives the
// demo's figure exactly (same library call, same defaults, same seed) and
// the one that runs the part at full scale on the recorded data sets.
// DIR, NMNIST, FSDD and PORT stand for the user's folders and board.
func commands(cfg Config, sw SweepConfig) []Command {
	s := cfg.Seed
	k := cfg.Folds
	subsets := ""
	if cfg.ZeroShotPairs < 36 {
		subsets = fmt.Sprintf(" --subsets %d", cfg.ZeroShotPairs)
	}
	epochs := cfg.ZeroShotEpochs
	if epochs == 0 {
		epochs = experiment.HeadlineEpochs
	}
	return []Command{
		{Part: PartMacro,
			Demo:      fmt.Sprintf("memlsm macro sample --preset lin2025 --seed %d --plot macro-conductance.png", s),
			FullScale: "memlsm calibrate form --board PORT --out DIR && memlsm calibrate fit DIR --out params.json  # a real board's forming, measured and fitted",
			Note:      "The simulation is already full scale: the whole 512×512 macro."},
		{Part: PartClassify,
			Demo:      fmt.Sprintf("memlsm classify --data %s --cv %d --seed %d   # and --data %s", ImagesSource, k, s, AudioSource),
			FullScale: "memlsm classify --data nmnist:NMNIST --cv 5 --seed 10   # and: memlsm classify --data fsdd:FSDD --split speaker"},
		{Part: PartZeroShot,
			Demo: fmt.Sprintf("memlsm zeroshot --images %s --audio %s --unseen all-pairs%s --protocol gzsl --calibrate-on 0 --epochs %d --seed %d --json   # and again with --side-info image=shape,audio=phonetic",
				ImagesSource, AudioSource, subsets, epochs, s),
			FullScale: fmt.Sprintf("memlsm zeroshot --images %s --audio %s --unseen all-pairs --protocol gzsl --select --seeds 1-5 --plot pairs.png   # all 36 pairs, 5 macros; or nmnist:NMNIST with fsdd:FSDD", ImagesSource, AudioSource),
			Note:      "The generalised S, U and H shown are at β = 0: the command's JSON has them under gzsl.plain (its text prints them with β calibrated on validation classes)."},
		{Part: PartSweep,
			Demo:      fmt.Sprintf("memlsm sweep %s/%s --jobs 2   # the spec below; its table, summary and plots are in %s/", SweepSubdir, SweepFile, SweepSubdir),
			FullScale: "memlsm sweep examples/sweeps/nmnist-adc-noise-stuck.yaml --jobs 2   # 48 runs; or: memlsm sweep slurm SPEC --tasks N --wait"},
		{Part: PartBoard,
			Demo: fmt.Sprintf("memlsm board emulate --seed %d > board.path & sleep 1; memlsm classify --data %s --cv %d --seed %d --board \"$(cat board.path)\"",
				s, AudioSource, k, s),
			FullScale: "memlsm classify --data nmnist:NMNIST --cv 5 --board PORT --mode on-board   # a real board on its serial port"},
	}
}
