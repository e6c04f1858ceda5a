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
//	fsdd:DIR                 a folder of <digit>_<speaker>_<index>.wav through the cochlea model
//	embedded:images          the data sets built into the binary
//	embedded:audio
//
// Unknown options are errors, so a typo never silently changes what is
// read. Each scheme lives in its own file and registers itself in init;
// Schemes lists them. Open sets the dataset's Name to the spec.
package source
