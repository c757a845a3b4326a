package runtime

import "slices"

// stateEntries is an instance's state: its named values, sorted by name,
// each name once. Instances hold a handful of values, so a sorted slice
// beats a map: a lookup is a short scan without hashing, an instance costs
// one small array instead of a map's groups, and a snapshot copies the
// entries in the order it writes them instead of iterating a map and
// sorting.
//
// Each entry remembers the chain epoch of its last write, so that a delta
// snapshot writes only the values changed since its base, not the whole
// instance (a record's ledger grows with every transfer; its balance is a
// few bytes). A deleted value stays as a tombstone (Deleted, no value)
// for the next delta to say it is gone; the capture of a delta that holds
// the instance drops the tombstones its base has moved past. An instance
// that changes no more keeps its tombstones (a name each) until a restore.
type stateEntries []stateEntry

type stateEntry struct {
	Mutation
	changedIn uint64 // the chain epoch of the last write or delete; 0 for restored values
}

// get returns the value of name.
func (s stateEntries) get(name string) ([]byte, bool) {
	for i := range s {
		if s[i].Name == name {
			return s[i].Value, !s[i].Deleted
		}
	}
	return nil, false
}

// set writes the value of name in epoch, in place if it exists. Callers
// of get hold values, never the slice, so replacing an element is safe.
func (s *stateEntries) set(name string, value []byte, epoch uint64) {
	i, found := slices.BinarySearchFunc(*s, name, compareEntryName)
	if found {
		(*s)[i] = stateEntry{Mutation: Mutation{Name: name, Value: value}, changedIn: epoch}
		return
	}
	if *s == nil {
		// Room for two: most instances hold two values (a record's
		// balance and ledger, a saga's plan and progress), and growing
		// from one allocated twice.
		*s = make(stateEntries, 0, 2)
	}
	*s = slices.Insert(*s, i, stateEntry{Mutation: Mutation{Name: name, Value: value}, changedIn: epoch})
}

// delete removes name in epoch, if present, leaving its tombstone.
func (s stateEntries) delete(name string, epoch uint64) {
	if i, found := slices.BinarySearchFunc(s, name, compareEntryName); found && !s[i].Deleted {
		s[i] = stateEntry{Mutation: Mutation{Name: name, Deleted: true}, changedIn: epoch}
	}
}

// live reports whether any value is present (not only tombstones).
func (s stateEntries) live() bool {
	for i := range s {
		if !s[i].Deleted {
			return true
		}
	}
	return false
}

// prune drops the tombstones of deletions in epochs up to base, which the
// stored snapshot chain already holds.
func (s *stateEntries) prune(base uint64) {
	*s = slices.DeleteFunc(*s, func(e stateEntry) bool { return e.Deleted && e.changedIn <= base })
}

func compareEntryName(e stateEntry, name string) int {
	switch {
	case e.Name < name:
		return -1
	case e.Name > name:
		return 1
	}
	return 0
}
