// Command test-crs writes the G1 half of an INSECURE BN254 test CRS: [τ^i]·G1 for i in [start, start+count),
// in barretenberg's bn254_g1.dat layout (64 bytes a point: x‖y, 32-byte big-endian, not Montgomery, no
// header). It is the fast path of lib/protocols/devnet/crs.ts, whose JS generator stays the reference: the
// output must be byte-identical to it (test/protocols/devnet-crs-native.test.ts checks that).
//
// Method: a fixed-base comb like the JS generator's, with each window's additions for 4096 lanes done in
// affine coordinates under one shared inversion (Montgomery's trick, ~6 field multiplications an addition).
// 22 windows of 12 bits (a 90k-point, 6 MB table) beat the JS's 16 of 16 bits here: table look-ups are
// cache misses, and a 64 MB table costs more in misses than 6 extra additions a point. gnark-crypto supplies
// the field and curve arithmetic; its BatchScalarMultiplicationG1 (windowed double-and-add) is ~8x slower
// for this job (35 µs a point here).
//
// Usage: test-crs -tau HEX -count N [-start S] [-threads T] -out FILE
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

const (
	windowBits = 12
	windowSize = 1 << windowBits
	windows    = (fr.Bits + windowBits - 1) / windowBits // 22: 264 bits ≥ 254
	lanes      = 4096                                    // points per block: one inversion per window per block
	pointBytes = 64
	// 2^28 points is a 16 GiB file, far beyond any circuit bb proves here: a larger request is a mistake.
	maxPoints = 1 << 28
)

var hexPattern = regexp.MustCompile(`^(0x)?[0-9a-fA-F]{1,64}$`)

type options struct {
	tau     fr.Element
	start   uint64
	count   uint64
	threads int
	out     string
}

func main() {
	opts, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "test-crs: %v\n", err)
		os.Exit(2)
	}
	if err := run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "test-crs: %v\n", err)
		os.Exit(1)
	}
}

func parseArgs(args []string) (*options, error) {
	fs := flag.NewFlagSet("test-crs", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	tauHex := fs.String("tau", "", "τ as a hex integer in [1, r), r the BN254 scalar field order")
	count := fs.Uint64("count", 0, "number of points to write (>= 1)")
	start := fs.Uint64("start", 0, "index of the first point (the file holds [τ^start]G1 .. [τ^(start+count-1)]G1)")
	threads := fs.Int("threads", runtime.NumCPU(), "worker goroutines")
	out := fs.String("out", "", "output file (created or truncated)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !hexPattern.MatchString(*tauHex) {
		return nil, fmt.Errorf("-tau must be a hex integer of at most 64 digits, got %q", *tauHex)
	}
	tauInt, _ := new(big.Int).SetString(trimHexPrefix(*tauHex), 16)
	if tauInt.Sign() == 0 || tauInt.Cmp(fr.Modulus()) >= 0 {
		return nil, fmt.Errorf("-tau must be in [1, r) with r = %s, got 0x%s", fr.Modulus().Text(16), tauInt.Text(16))
	}
	if *count < 1 || *count > maxPoints || *start > maxPoints {
		return nil, fmt.Errorf("-count must be in [1, %d] and -start in [0, %d], got count %d start %d", maxPoints, maxPoints, *count, *start)
	}
	if *threads < 1 {
		return nil, fmt.Errorf("-threads must be >= 1, got %d", *threads)
	}
	if *out == "" {
		return nil, errors.New("-out is required")
	}
	o := &options{start: *start, count: *count, threads: *threads, out: *out}
	o.tau.SetBigInt(tauInt)
	return o, nil
}

func trimHexPrefix(s string) string {
	if len(s) >= 2 && s[:2] == "0x" {
		return s[2:]
	}
	return s
}

func run(o *options) error {
	f, err := os.Create(o.out)
	if err != nil {
		return err
	}
	defer f.Close()
	// Size the file first so blocks can be written in any order.
	if err := f.Truncate(int64(o.count * pointBytes)); err != nil {
		return err
	}
	runtime.GOMAXPROCS(o.threads)
	table := buildCombTable()

	blocks := (o.count + lanes - 1) / lanes
	var next atomic.Uint64
	var wg sync.WaitGroup
	errs := make([]error, o.threads)
	for t := 0; t < o.threads; t++ {
		wg.Add(1)
		go func(t int) {
			defer wg.Done()
			w := newWorker()
			buf := make([]byte, lanes*pointBytes)
			for {
				b := next.Add(1) - 1
				if b >= blocks {
					return
				}
				first := b * lanes
				n := min(uint64(lanes), o.count-first)
				w.block(table, &o.tau, o.start+first, int(n), buf)
				if _, err := f.WriteAt(buf[:n*pointBytes], int64(first*pointBytes)); err != nil {
					errs[t] = err
					return
				}
			}
		}(t)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return f.Close()
}

// combTable[j][v] = v·2^(12j)·G1 in affine coordinates, v in [1, 2^12) (index 0 unused).
type combTable [windows][]bn254.G1Affine

func buildCombTable() *combTable {
	var t combTable
	_, _, g, _ := bn254.Generators()
	bases := make([]bn254.G1Affine, windows)
	var acc bn254.G1Jac
	acc.FromAffine(&g)
	for j := range windows {
		bases[j].FromJacobian(&acc)
		for range windowBits {
			acc.DoubleAssign()
		}
	}
	var wg sync.WaitGroup
	for j := range windows {
		wg.Add(1)
		go func(j int) {
			defer wg.Done()
			jac := make([]bn254.G1Jac, windowSize) // jac[0] stays the point at infinity (Z = 0)
			for v := 1; v < windowSize; v++ {
				jac[v] = jac[v-1]
				jac[v].AddMixed(&bases[j])
			}
			t[j] = bn254.BatchJacobianToAffineG1(jac)
		}(j)
	}
	wg.Wait()
	return &t
}

// worker holds one goroutine's scratch space for a block of lanes.
type worker struct {
	acc     []bn254.G1Affine
	has     []bool
	slow    []bool
	digits  [][windows]uint16
	scalars []fr.Element
	pending []int32
	prefix  []fp.Element
	dx      []fp.Element
}

func newWorker() *worker {
	return &worker{
		acc:     make([]bn254.G1Affine, lanes),
		has:     make([]bool, lanes),
		slow:    make([]bool, lanes),
		digits:  make([][windows]uint16, lanes),
		scalars: make([]fr.Element, lanes),
		pending: make([]int32, lanes),
		prefix:  make([]fp.Element, lanes),
		dx:      make([]fp.Element, lanes),
	}
}

// block writes [τ^(first+l)]·G1 for l < n into out (64 bytes each).
func (w *worker) block(t *combTable, tau *fr.Element, first uint64, n int, out []byte) {
	var s fr.Element
	s.Exp(*tau, new(big.Int).SetUint64(first))
	for l := range n {
		w.scalars[l] = s
		bits := s.Bits() // regular (not Montgomery) form, little-endian limbs
		for j := range windows {
			o := windowBits * j
			v := bits[o/64] >> (o % 64)
			if o%64+windowBits > 64 && o/64+1 < len(bits) {
				v |= bits[o/64+1] << (64 - o%64)
			}
			w.digits[l][j] = uint16(v & (windowSize - 1))
		}
		w.has[l] = false
		w.slow[l] = false
		s.Mul(&s, tau)
	}
	for j := range windows {
		tj := t[j]
		np := 0
		for l := range n {
			d := w.digits[l][j]
			if d == 0 {
				continue
			}
			if !w.has[l] {
				w.acc[l] = tj[d]
				w.has[l] = true
				continue
			}
			w.pending[np] = int32(l)
			np++
		}
		w.addBatch(tj, j, np)
	}
	for l := range n {
		p := &w.acc[l]
		if w.slow[l] {
			// P = ±Q during the comb: astronomically unlikely for powers of a random τ; recompute generically.
			var jac bn254.G1Jac
			jac.ScalarMultiplicationBase(w.scalars[l].BigInt(new(big.Int)))
			p.FromJacobian(&jac)
		}
		x := p.X.Bytes() // big-endian, regular form
		y := p.Y.Bytes()
		copy(out[l*pointBytes:], x[:])
		copy(out[l*pointBytes+32:], y[:])
	}
}

// addBatch adds tj[digit] to the accumulators of the first np pending lanes, affine, one inversion in all.
// Lanes whose x-coordinates collide are marked slow: their result is garbage and gets recomputed.
func (w *worker) addBatch(tj []bn254.G1Affine, j int, np int) {
	if np == 0 {
		return
	}
	var prod fp.Element
	prod.SetOne()
	for k := range np {
		l := w.pending[k]
		q := &tj[w.digits[l][j]]
		w.dx[k].Sub(&q.X, &w.acc[l].X)
		if w.dx[k].IsZero() {
			w.slow[l] = true
			w.dx[k].SetOne()
		}
		w.prefix[k] = prod
		prod.Mul(&prod, &w.dx[k])
	}
	var inv, invD, lambda, x3, y3 fp.Element
	inv.Inverse(&prod)
	for k := np - 1; k >= 0; k-- {
		l := w.pending[k]
		a := &w.acc[l]
		q := &tj[w.digits[l][j]]
		invD.Mul(&inv, &w.prefix[k])
		inv.Mul(&inv, &w.dx[k])
		lambda.Sub(&q.Y, &a.Y).Mul(&lambda, &invD)
		x3.Square(&lambda).Sub(&x3, &a.X).Sub(&x3, &q.X)
		y3.Sub(&a.X, &x3).Mul(&y3, &lambda).Sub(&y3, &a.Y)
		a.X = x3
		a.Y = y3
	}
}
