package source

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// classFiles lists DIR/<class>/*<ext>: class names sorted, files sorted,
// the first perClass of each class (all if 0). Hidden folders and classes
// without a file of the extension are skipped.
func classFiles(dir, ext string, perClass int) (classes []string, files [][]string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		var fl []string
		sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		for _, f := range sub {
			if !f.IsDir() && strings.EqualFold(filepath.Ext(f.Name()), ext) {
				fl = append(fl, filepath.Join(dir, e.Name(), f.Name()))
			}
		}
		if len(fl) == 0 {
			continue
		}
		slices.Sort(fl)
		if perClass > 0 && len(fl) > perClass {
			fl = fl[:perClass]
		}
		classes = append(classes, e.Name())
		files = append(files, fl)
	}
	if len(classes) == 0 {
		return nil, nil, fmt.Errorf("%s holds no class folders with %s files (want DIR/<class>/*%s)", dir, ext, ext)
	}
	return classes, files, nil
}

// relID is a file's path relative to dir without its extension, with
// forward slashes: a sample ID such as "cat/img_001".
func relID(dir, file string) string {
	rel, err := filepath.Rel(dir, file)
	if err != nil {
		rel = filepath.Base(file)
	}
	return filepath.ToSlash(strings.TrimSuffix(rel, filepath.Ext(rel)))
}
