// Package source opens event datasets from one string, "scheme:path" with
// options after "?", so that every command and experiment takes its data
// the same way:
//
//	nmnist:DIR               N-MNIST, official Train/Test/<digit>/*.bin layout or
//	                         a slayer folder of numbered .bs2/.bin files with label lists
//	nmnist:DIR/LIST.txt      one slayer label list ("#sample #class", then "<k>\t<label>")
//	                         options: split=train|test (or a list's name), workers=N
//	ntidigits:FILE           N-TIDIGITS n-tidigits.hdf5
//	                         options: split=train|test, all=1 (multi-digit sequences too)
//	slayer1d:FILE            one slayer .bs1 recording of 1-D events
//	                         options: label=NAME (default "?"), channels=N (default 64)
//	mev:FILE                 memlsm's compact event format (events.WriteDataset)
//	                         options: split=NAME (keeps Meta["split"] == NAME)
//	willett:FILE             Willett et al. 2021's singleLetters.mat: threshold crossings
//	                         of 192 electrodes in 10 ms bins, one class per character
//	                         (MAT v5/v7 or v7.3/HDF5); options: letters=1 (a–z only)
//	embedded:images          the data sets built into the binary
//	embedded:audio
//
// and the converting schemes, which turn recordings into events with
// memlsm's sensor models (package convert):
//
//	fsdd:DIR                 <digit>_<speaker>_<index>.wav (the Free Spoken Digit
//	                         Dataset) → cochlea events; options: speakers=a,b,
//	                         exclude=a,b, split=train|test, per_class=N,
//	                         channels=N (cochlea channels, default 64), and the
//	                         audio options below
//	wav:DIR                  DIR/<class>/*.wav, or the AudioMNIST tree
//	                         DIR/<speaker>/<digit>_<speaker>_<i>.wav (speakers kept
//	                         as speakers) → cochlea events; options: per_class=N,
//	                         channels=N, and the audio options below
//	mnist:train, mnist:test  MNIST digits (the GoMNIST module's idx files, or
//	mnist:DIR?set=train|test those in DIR) → saccade events; options: per_class=N, limit=N,
//	                         code=rate (static images in the BTV rate code instead)
//	png:DIR                  grey PNG images DIR/<class>/*.png → saccade events;
//	                         options: per_class=N, code=rate
//	strokes:DIR              pen trajectories of MNIST digits (E. D. de Jong's stroke
//	                         data: DIR/<split>-padded-trailing.tar.gz and
//	                         DIR/<split>-labels.tar.gz) → threshold crossings of a
//	                         simulated motor-cortex population writing them (192
//	                         channels, 10 ms bins, as Willett et al. 2021's data);
//	                         options: split=train|test|NAME, per_class=N, limit=N,
//	                         traced=train|test|none (the MNIST set trajectory i traces
//	                         digit i+1 of; default the split's name, or none)
//
// Samples made of the same item carry the same Sample.Instance(): MNIST
// training digit k as an image (mnist:train) and the trajectory traced
// from it (strokes:, index k−1) are both "mnist-train-k", so a cross-modal
// experiment can keep each item to one modality.
//
// Every converting scheme also takes seed=N and workers=N. A recording's
// conversion is seeded by DefaultSeed (or Options.Seed, or seed=N) mixed
// with the recording's name (SampleSeed), so it converts to the same events
// whatever else is converted with it, and "memlsm data convert" writes
// exactly the events that opening the same spec gives. OpenWith takes the
// converters' models, the seed and the parallelism as Options; the library
// forms FSDD, WAV, MNIST, ImageFolder and Strokes take them with their
// selections. OpenStream opens a spec as an events.Stream: mnist: and png:
// then convert each image only when the stream is read (MNISTLazy), for a
// pipeline that bins samples as they come; the samples and events are
// those Open gives.
//
// The audio schemes (fsdd:, wav:) also take perturb=CHAIN, which changes
// every recording in the time domain before the cochlea hears it
// (audio.ParseChain: e.g. perturb=level=-20dB, tempo=0.85, noise=20dB;
// deterministic per recording and perturb_seed=N), endpoint=on|off (the
// cochlea's endpoint detection, on by default), and keep_audio=1 (keep
// the waveform the cochlea heard in each sample, for the MFCC baseline).
//
// Unknown options are errors, so a typo never silently changes what is
// read; every error in the spec itself matches ErrSpec and comes before
// any data is read. Each scheme lives in its own file and registers itself
// in init; Schemes lists them. Open sets the dataset's Name to the spec.
package source
