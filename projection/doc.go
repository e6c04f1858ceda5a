// Package projection trains the small digital heads that sit on top of
// memlsm's fixed spiking reservoir: linear probes and MLP classifiers,
// CLIP-style contrastive projection pairs and prototypical networks, with
// their optimisers, metrics and a strict save format. It knows nothing of
// spikes or resistive memory: every head trains on a feature matrix (rows
// are samples, columns are features such as LSM spike rates) held in a
// gonum *mat.Dense.
//
// # Linear probing
//
// A reservoir is never trained; what it computes is judged by how well a
// linear read-out of its features does the task. A linear probe is one
// affine layer from features to class logits, trained with softmax
// cross-entropy (the paper's Read_ANN, PAPER §4.1). MLP heads add hidden
// layers with GELU (or ReLU, tanh, sigmoid) and optional dropout for when a
// linear read-out is not enough. By default every head standardises its
// input with the training set's per-feature mean and deviation and keeps
// them, so raw spike rates of very different magnitude can be fed in as
// they are.
//
// # Contrastive alignment
//
// For zero-shot association between two modalities (audio and images, PAPER
// §4.2) each modality gets its own projection tower, a Linear(d, pd)
// followed by GELU (the paper's "OneFC"; "TwoFC" stacks two), and the towers
// are trained so that matching items land close together in the shared
// pd-dimensional space. On a batch of n pairs the logits are Z = E_A·E_Bᵀ/τ
// and the loss is a cross-entropy over Z's rows (A queries B) plus one over
// its columns (B queries A). Three target choices are offered (Loss):
// SoftCLIP, the soft targets of the "simple CLIP" code the paper's scripts
// derive from; InfoNCE, OpenAI CLIP's one-positive-per-row targets; and
// SupCon, where every same-class item is a positive. Because the paper pairs
// items by class, not by instance, InfoNCE punishes same-class off-diagonal
// pairs that are in fact correct matches; SupCon is the default.
//
// # Temperature
//
// τ sets how peaked the softmax over a batch is: a small τ concentrates the
// loss on the hardest negatives and drives the embeddings of each class
// together tightly; a large τ spreads the loss over the batch and
// regularises. By default embeddings are L2 normalised, so logits are
// cosines/τ bounded by 1/τ, and τ is fixed at the paper's 1.0 (PAPER §4.2);
// LearnTemperature makes the logit scale 1/τ a trained parameter as in
// OpenAI CLIP (PAPER §4.3), capped at 100. CLIPConfig.Raw reproduces the
// paper's un-normalised dot products.
//
// # Zero-shot retrieval
//
// A trained pair is tested on classes it never saw: each query of one
// modality ranks all gallery items of the other, and a retrieval counts as
// correct when the top item's class equals the query's (Retrieval with
// k = 1, PAPER §5.2), in both directions. Chance is the share of gallery
// items of the query's class (Chance): 1/7 for seven balanced classes, 1/2
// for two. Proto heads train the same towers differently: class prototypes
// (mean embeddings of one modality) classify the other modality's items by
// distance (PAPER §4.4).
//
// # Side information
//
// A contrastive pair can only relate an unseen class to what it learnt
// through the other modality. Zero-shot learning proper gives every class,
// seen or unseen, a descriptor — attributes, a phonetic transcription, a
// shape description — through the small Describer interface (package
// descriptor holds memlsm's). A Descriptor head maps one modality's
// features into its descriptor space by ridge regression onto the
// descriptors of the training rows' classes (closed form, fitted on seen
// classes only; TrainDescriptors fits several penalties at once) and
// scores any described class, an unseen one included, by the cosine
// between prediction and descriptor.
//
// # Training
//
// All heads train by mini-batch Adam or AdamW (Training) with analytic
// gradients, verified against finite differences in the tests. A seed fixes
// the initialisation, the shuffling, dropout and the validation split (each
// from its own PCG stream), so the same seed gives bit-identical weights on
// the same platform (architectures that fuse multiply-adds, such as arm64,
// may differ from amd64 in the last bits). An optional validation split
// keeps the best epoch and can stop early. Zero-valued settings take each
// head's documented defaults (LinearDefaults, MLPDefaults, CLIPDefaults,
// ProtoDefaults), which were chosen to converge quickly and generalise on
// small data; the paper's settings are available as presets
// (LinearNMNIST, LinearNTIDIGITS, CLIPATV, CLIPBTV, ProtoATV).
//
// Classification heads also train on Rows, features read one row at a time
// (TrainLinearRows, TrainMLPRows, PredictRows), so that a caller with tens
// of thousands of samples in a compact form never builds a float64 matrix
// of them; the results are those of the matrix forms to the last bit. A
// linear probe's optimiser steps run on every CPU — the mini-batch's rows
// for the forward pass, the feature columns for the gradient, the
// parameters for the update — in an order of work that leaves every
// number as the serial step computes it.
//
// # Saving
//
// Save writes a head as one JSON object (format "memlsm/projection",
// version 1; weights as base64 little-endian float64, so a reloaded head
// scores bit-identically) together with a caller-supplied provenance value,
// such as the reservoir and macro configuration and the seeds that produced
// the features. Load is strict: any unknown field, shape mismatch,
// non-finite weight or trailing byte is an error.
package projection
