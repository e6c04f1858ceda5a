package main

import "github.com/memlsm/memlsm/internal/atomicfile"

// Every file a command writes (results, plots, models, features, event
// files) is written atomically, so a failed or interrupted command never
// leaves half a file behind.
var (
	writeFile       = atomicfile.Write     // writeFile(path, func(io.Writer) error)
	writeFileAtomic = atomicfile.WriteFile // writeFileAtomic(path, []byte)
)
