package runtime

// digest is FNV-1a, used for placement and for the fingerprints the
// simulator folds into its trace hash. It must never change for a given
// input: placement and recorded trace hashes depend on it.
type digest uint64

const (
	digestOffset digest = 14695981039346656037
	digestPrime  digest = 1099511628211
)

func (d digest) init() digest {
	if d == 0 {
		return digestOffset
	}
	return d
}

func (d digest) addString(s string) digest {
	d = d.init()
	for i := 0; i < len(s); i++ {
		d = (d ^ digest(s[i])) * digestPrime
	}
	return (d ^ 0xff) * digestPrime // separator, so ("ab","c") != ("a","bc")
}

func (d digest) addBytes(b []byte) digest {
	d = d.init()
	for _, c := range b {
		d = (d ^ digest(c)) * digestPrime
	}
	return (d ^ 0xff) * digestPrime
}

func (d digest) addUint(x uint64) digest {
	d = d.init()
	for i := 0; i < 8; i++ {
		d = (d ^ digest(byte(x>>(8*i)))) * digestPrime
	}
	return d
}
