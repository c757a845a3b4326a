package runtime

import "slices"

// stateEntries is an instance's state: its named values, sorted by name,
// each name once (Deleted is always false). Instances hold a handful of
// values, so a sorted slice beats a map: a lookup is a short scan without
// hashing, an instance costs one small array instead of a map's groups,
// and a snapshot copies the entries in the order it writes them instead of
// iterating a map and sorting.
type stateEntries []Mutation

// get returns the value of name.
func (s stateEntries) get(name string) ([]byte, bool) {
	for i := range s {
		if s[i].Name == name {
			return s[i].Value, true
		}
	}
	return nil, false
}

// set writes the value of name, in place if it exists. Callers of get
// hold values, never the slice, so replacing an element is safe.
func (s *stateEntries) set(name string, value []byte) {
	i, found := slices.BinarySearchFunc(*s, name, compareEntryName)
	if found {
		(*s)[i].Value = value
		return
	}
	if *s == nil {
		// Room for two: most instances hold two values (a record's
		// balance and ledger, a saga's plan and progress), and growing
		// from one allocated twice.
		*s = make(stateEntries, 0, 2)
	}
	*s = slices.Insert(*s, i, Mutation{Name: name, Value: value})
}

// delete removes name, if present.
func (s *stateEntries) delete(name string) {
	if i, found := slices.BinarySearchFunc(*s, name, compareEntryName); found {
		*s = slices.Delete(*s, i, i+1)
	}
}

func compareEntryName(m Mutation, name string) int {
	switch {
	case m.Name < name:
		return -1
	case m.Name > name:
		return 1
	}
	return 0
}
