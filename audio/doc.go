// Package audio holds memlsm's processing of waveforms before they become
// events or features: the active speech level, time-domain perturbations
// that stand for a new recording, endpoint detection, and the MFCC
// analysis of the speech baseline. A waveform is a []float64 of samples in
// [−1, 1] (full scale) at a sample rate in Hz.
//
// # Level
//
// ActiveLevel measures the active speech level of ITU-T P.56 (method B,
// simplified): the power over the samples during which the talker is
// active, with a hangover, so pauses do not lower it. The cochlea model
// (events/convert) scales every recording to one active level, as a
// recording set-up plays all utterances at one calibrated loudness; the
// noise perturbation places its noise relative to it.
//
// # Perturbations: what a new recording changes
//
// A user's recording differs from the training recordings in ways that do
// not change the word: the talker is nearer or farther (Level), speaks
// faster or slower (Tempo, which keeps the pitch: WSOLA time-scale
// modification), has a shorter or longer vocal tract and another pitch
// (approximated together by Speed, a resampling that scales every
// frequency), or sits in a noisy room (Noise: white Gaussian noise at an
// SNR relative to the active speech level, as the Aurora-2 noisy-digit
// corpora define it), and the recording may not be trimmed to the word
// (Pad). A Chain applies such Perturbations in order, deterministically
// for a seed, and reads and writes itself as "level=-20dB,noise=20dB".
// Measuring a front end's accuracy on perturbed test recordings (memlsm
// classify --perturb) shows how invariant it is, which a validation on one
// corpus does not.
//
// # Endpoint detection
//
// Endpoints finds the spoken word in a recording that is not trimmed to
// it — energy in the speech band above a noise floor estimated from the
// recording itself, two thresholds in the manner of Rabiner & Sambur
// (1975), the most energetic stretch of speech kept — so that a front end
// whose features are normalised to the utterance's own duration sees the
// word, not the silence around it. A recording that is already trimmed
// (no quiet stretch at either end of at least EndpointParams.MinTrim) is
// left whole.
//
// # MFCC
//
// MFCC computes mel-frequency cepstral coefficients with the HTK recipe
// (Hamming windows, pre-emphasis, triangular mel filters, log energies,
// DCT-II, liftering; FFTs by gonum's dsp/fourier): the features a speech
// engineer would try first, which memlsm's classify compares the LSM with
// on the same splits.
package audio
