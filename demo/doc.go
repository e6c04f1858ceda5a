// Package demo is memlsm's main job, `memlsm demo`: the whole co-design
// loop in one run on the data embedded in the binary, in five parts.
//
//  1. The macro. The reservoir's weights are the conductances that one
//     electroforming pulse leaves in the simulated 512×512 lin2025 macro;
//     the formed fraction and the distribution of the formed cells are
//     shown beside what Lin et al. 2025 measured on their chip
//     (14.25 ± 2.46 µS).
//  2. Classification. The embedded images (saccade-MNIST) and audio (spoken
//     digits) are classified with the reservoir on that macro and a linear
//     readout, by stratified 5-fold cross-validation: the accuracy with its
//     spread over the folds, and one inference's energy on the projected
//     chip and on digital hardware (package cost).
//  3. Zero-shot, honestly. experiment.ZeroShotHeadline: unseen audio↔image
//     retrieval averaged over choices of two unseen digits among 1–9 (a
//     seeded sample of DefaultZeroShotPairs of the 36), with its
//     confidence interval over them, under the generalised protocol (S, U, H), for
//     the paper's contrastive head and through class side information —
//     beside the paper's single figure and one plain sentence on what the
//     two mean.
//  4. A co-design sweep (package sweep, the runner of `memlsm sweep`): a
//     handful of hardware points — the ADC resolution of the projected chip
//     × the cells' read noise, in in-memory mode where every time step's
//     multiply goes through the simulated array — each with its accuracy
//     and its energy and latency per inference on the projected chip and on
//     event-driven digital hardware, over two macro seeds, and the
//     accuracy–energy Pareto front.
//  5. The board. Part 2's audio classification again with the weights
//     formed and read through the emulated board — the real firmware on a
//     simulated macro of the same seed — served on a pseudo-terminal and
//     reached through the serial driver exactly as a board on a USB port;
//     it must give the same figures to the last digit, and the result says
//     whether it did.
//
// Run runs the parts concurrently (each is deterministic for the seed
// whatever runs beside it), Result.WriteText prints them as one screen of
// tables, the JSON of Result holds every figure, and Result.WriteReport
// writes a self-contained HTML report with the figures embedded (and
// beside it as PNG files), the tables, and for every part the command
// that reproduces its figure and the one that runs it at full scale.
//
// The demo is scaled to about 40 s of CPU, which two cores share: the
// classification uses the whole embedded sets, the zero-shot headline 6 of
// the 36 pairs with a experiment.HeadlineEpochs contrastive head, and the
// sweep 8 points × 2 seeds on the first 20 images of each digit
// (DefaultSweepYAML). The report's full-scale commands lift each
// restriction. RunReport writes the report folder atomically: a run that
// fails or is stopped leaves none.
package demo
