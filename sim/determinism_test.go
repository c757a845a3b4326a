package sim

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The determinism lint enforces the rules of DESIGN.md ("Determinism rules")
// on the packages a simulation runs: no wall clock, no goroutines, no
// selects over several channels, no global or OS randomness, no I/O, no
// map iteration order reaching behaviour. Test files are exempt: they may
// time and parallelise runs, never the runs themselves.

// simulatedRoots are the trees, relative to the module root, whose code runs
// inside the simulator. sim/realtime is the real-time driver and is skipped.
var simulatedRoots = []string{"sim", "runtime", "protocols", "faults", "checker", "scenarios"}

// Lint rules, as reported.
const (
	ruleImport    = "banned-import"
	ruleGo        = "go-statement"
	ruleSelect    = "select"
	ruleTimeCall  = "time-call"
	ruleRandCall  = "rand-global"
	ruleMapRange  = "map-range"
	ruleLoadError = "load-error"
)

var lintRules = []string{ruleImport, ruleGo, ruleSelect, ruleTimeCall, ruleRandCall, ruleMapRange}

// bannedImports are packages whose use makes a run depend on the world:
// wall clock, scheduler, OS, network, global or OS randomness. Subpackages
// of os, net and sync (os/exec, net/http, sync/atomic) are banned too;
// math/rand/v2 is allowed for its seeded generators only (see randCtors).
var (
	bannedImports        = []string{"math/rand", "time", "os", "net", "sync", "crypto/rand"}
	bannedImportPrefixes = []string{"os/", "net/", "sync/"}
)

// randCtors are the math/rand/v2 functions that do not touch the global,
// randomly seeded source.
var randCtors = map[string]bool{"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true}

// orderIndependent marks a range over a map whose result cannot depend on
// the iteration order; it must appear in a comment on the line above the
// range statement or at the end of the range line.
const orderIndependent = "order-independent"

// violation is one broken determinism rule.
type violation struct {
	Pos  token.Position
	Rule string
	What string
}

func (v violation) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", v.Pos.Filename, v.Pos.Line, v.Rule, v.What)
}

// lintDeterminism reports every violation in the non-test Go files of the
// packages under dir, skipping testdata, realtime and hidden folders below
// dir. A dir that does not exist or holds no Go files has no violations.
//
// Map ranges are found with go/types: standard-library imports come from
// export data (go list -export, fast with a warm build cache), packages of
// this module are type-checked from source, anything else from source too.
// Type errors are ignored, so an expression whose type cannot be resolved is
// not flagged; every other rule is syntactic and always applies.
func lintDeterminism(dir string) []violation {
	var out []violation
	for _, pkgDir := range goPackageDirs(dir) {
		out = append(out, lintPackage(pkgDir)...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Pos, out[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

// goPackageDirs returns the folders under root (root included) that hold
// non-test Go files, in walk order.
func goPackageDirs(root string) []string {
	var dirs []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		name := d.Name()
		// Test-support packages (protocoltest, like etcd's rafttest) drive
		// tests from files and never run inside a simulation.
		if path != root && (name == "testdata" || name == "realtime" || name == "vendor" ||
			strings.HasSuffix(name, "test") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if len(goFiles(path)) > 0 {
			dirs = append(dirs, path)
		}
		return nil
	})
	return dirs
}

// goFiles returns the non-test Go files of dir that the default build
// context would compile, sorted.
func goFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := build.Default.MatchFile(dir, name); err == nil && ok {
			files = append(files, filepath.Join(dir, name))
		}
	}
	return files
}

// lintPackage parses and type-checks one package and applies every rule.
func lintPackage(dir string) []violation {
	l := sharedLinter()
	var files []*ast.File
	var out []violation
	for _, path := range goFiles(dir) {
		f, err := parser.ParseFile(l.fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			out = append(out, violation{Pos: token.Position{Filename: path, Line: 1}, Rule: ruleLoadError, What: err.Error()})
			continue
		}
		files = append(files, f)
	}
	info := l.check(dir, files)
	allowTime := filepath.Base(dir) == durationsOnly
	for _, f := range files {
		out = append(out, lintFile(l.fset, f, info, allowTime)...)
	}
	return out
}

// lintFile applies every rule to one file.
func lintFile(fset *token.FileSet, f *ast.File, info *types.Info, allowTime bool) []violation {
	var out []violation
	report := func(n ast.Node, rule, format string, args ...any) {
		out = append(out, violation{Pos: fset.Position(n.Pos()), Rule: rule, What: fmt.Sprintf(format, args...)})
	}
	imports := map[string]string{} // local name -> import path
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		if isBannedImport(path) && !(allowTime && path == "time") {
			report(spec.Path, ruleImport, "imports %q", path)
		}
		imports[importName(spec, path)] = path
	}
	marked := orderIndependentLines(fset, f)
	sorted := sortedAfterRanges(f, info)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, ruleGo, "starts a goroutine")
		case *ast.SelectStmt:
			if cases := commCases(n); cases >= 2 {
				report(n, ruleSelect, "selects over %d channel cases", cases)
			}
		case *ast.CallExpr:
			if pkg, fn, ok := pkgCall(n, imports, info); ok {
				switch {
				case pkg == "time":
					report(n, ruleTimeCall, "calls time.%s", fn)
				case pkg == "math/rand/v2" && !randCtors[fn]:
					report(n, ruleRandCall, "calls rand.%s, which draws from the global source", fn)
				}
			}
		case *ast.RangeStmt:
			line := fset.Position(n.Pos()).Line
			if what := unorderedRange(n, info); what != "" && !marked[line] && !marked[line-1] &&
				!sorted[n] && !commutativeBody(n, info) {
				report(n, ruleMapRange, "ranges over %s without sorting (mark %q if it cannot matter)", what, orderIndependent)
			}
		}
		return true
	})
	return out
}

// durationsOnly is the one simulated package that may import "time": the
// checker bounds its own search (porcupine's timeout) with a duration, and
// runs after a simulation, never inside one. Calls into time stay banned
// there too, so it cannot read the clock.
const durationsOnly = "checker"

// allowedImports are exceptions to the prefixes: an atomic counter orders
// nothing, and lets the real-time driver watch a job's progress from
// another goroutine.
var allowedImports = []string{"sync/atomic"}

func isBannedImport(path string) bool {
	if slices.Contains(allowedImports, path) {
		return false
	}
	if slices.Contains(bannedImports, path) {
		return true
	}
	for _, p := range bannedImportPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

var majorVersionRe = regexp.MustCompile(`^v[0-9]+$`)

// importName is the name an import binds in its file. Without type
// information the default name is the last path element that is not a major
// version suffix, which holds for every package the rules care about.
func importName(spec *ast.ImportSpec, path string) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	parts := strings.Split(path, "/")
	name := parts[len(parts)-1]
	if len(parts) > 1 && majorVersionRe.MatchString(name) {
		name = parts[len(parts)-2]
	}
	return name
}

// commCases counts the channel cases of a select, not its default: a select
// with one case and a default is a deterministic poll.
func commCases(s *ast.SelectStmt) int {
	n := 0
	for _, c := range s.Body.List {
		if c.(*ast.CommClause).Comm != nil {
			n++
		}
	}
	return n
}

// pkgCall reports the import path and function of a call pkg.Fn(...). With
// type information a local variable shadowing a package name is not a call
// into the package; without it, the file's import names decide.
func pkgCall(call *ast.CallExpr, imports map[string]string, info *types.Info) (pkg, fn string, ok bool) {
	sel, isSel := call.Fun.(*ast.SelectorExpr)
	if !isSel {
		return "", "", false
	}
	id, isIdent := sel.X.(*ast.Ident)
	if !isIdent {
		return "", "", false
	}
	if obj, known := info.Uses[id]; known {
		pn, isPkg := obj.(*types.PkgName)
		if !isPkg {
			return "", "", false
		}
		return pn.Imported().Path(), sel.Sel.Name, true
	}
	path, imported := imports[id.Name]
	return path, sel.Sel.Name, imported
}

// unorderedRange describes what a range statement iterates over if its order
// is Go's randomized map order: a map, or an iterator from maps.Keys,
// maps.Values or maps.All. It returns "" otherwise, or when the type is
// unknown.
func unorderedRange(r *ast.RangeStmt, info *types.Info) string {
	if tv, ok := info.Types[r.X]; ok && tv.Type != nil {
		if _, isMap := tv.Type.Underlying().(*types.Map); isMap {
			return "a map"
		}
	}
	if call, ok := r.X.(*ast.CallExpr); ok {
		if pkg, fn, ok := pkgCall(call, nil, info); ok && pkg == "maps" && (fn == "Keys" || fn == "Values" || fn == "All") {
			return "maps." + fn
		}
	}
	return ""
}

// sortedAfterRanges finds the collect-then-sort idiom: a range whose body
// only appends to one slice, followed in the same block by a sort of that
// slice. Such ranges are order-independent as long as the sort order is
// total, which the lint cannot check.
func sortedAfterRanges(f *ast.File, info *types.Info) map[*ast.RangeStmt]bool {
	out := map[*ast.RangeStmt]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		block, ok := n.(*ast.BlockStmt)
		if !ok {
			return true
		}
		for i, st := range block.List {
			r, ok := st.(*ast.RangeStmt)
			if !ok {
				continue
			}
			slice := appendOnlyTarget(r.Body, info)
			if slice == "" {
				continue
			}
			for _, later := range block.List[i+1:] {
				if sortsSlice(later, slice, info) {
					out[r] = true
					break
				}
			}
		}
		return true
	})
	return out
}

// appendOnlyTarget returns s if every statement of body is s = append(s,
// ...), possibly under an if without else whose condition is pure.
func appendOnlyTarget(body *ast.BlockStmt, info *types.Info) string {
	target := ""
	for _, st := range body.List {
		if ifs, ok := st.(*ast.IfStmt); ok && ifs.Init == nil && ifs.Else == nil && pureExpr(ifs.Cond, info) {
			inner := appendOnlyTarget(ifs.Body, info)
			if inner == "" || target != "" && target != inner {
				return ""
			}
			target = inner
			continue
		}
		as, ok := st.(*ast.AssignStmt)
		if !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return ""
		}
		lhs, ok := as.Lhs[0].(*ast.Ident)
		call, isCall := as.Rhs[0].(*ast.CallExpr)
		if !ok || !isCall || len(call.Args) < 2 || !isIdentNamed(call.Fun, "append") || !isIdentNamed(call.Args[0], lhs.Name) {
			return ""
		}
		if target != "" && target != lhs.Name {
			return ""
		}
		target = lhs.Name
	}
	return target
}

func isIdentNamed(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// sortsSlice reports whether st is a call into package sort or slices whose
// name starts with Sort (or is sort.Strings, Ints, Float64s, Slice,
// SliceStable, Stable) and that mentions the named slice in its arguments.
func sortsSlice(st ast.Stmt, slice string, info *types.Info) bool {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	pkg, fn, ok := pkgCall(call, nil, info)
	sorter := pkg == "slices" && strings.HasPrefix(fn, "Sort") ||
		pkg == "sort" && (strings.HasPrefix(fn, "Sort") || slices.Contains([]string{"Strings", "Ints", "Float64s", "Slice", "SliceStable", "Stable"}, fn))
	if !ok || !sorter {
		return false
	}
	for _, arg := range call.Args {
		if mentions(arg, slice) {
			return true
		}
	}
	return false
}

// mentions reports whether the identifier name occurs in n.
func mentions(n ast.Node, name string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// rootIdent is the variable an lvalue like x, x.f or m[k] writes through.
func rootIdent(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x.Name
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return ""
		}
	}
}

// commutativeBody reports whether every statement of a range body commutes
// with every other iteration's: integer accumulation (x += e, x -= e, x++,
// x--), writes into another map at the range key (a copy), or deletes at
// the range key; all with side-effect-free operands. Floating-point sums do
// not commute bit for bit and are not accepted.
func commutativeBody(r *ast.RangeStmt, info *types.Info) bool {
	key := "" // no key variable: no write can be at the range key
	if id, ok := r.Key.(*ast.Ident); ok && id.Name != "_" {
		key = id.Name
	}
	if len(r.Body.List) == 0 {
		return false
	}
	for _, st := range r.Body.List {
		if !commutativeStmt(st, key, info) {
			return false
		}
	}
	return true
}

func commutativeStmt(st ast.Stmt, key string, info *types.Info) bool {
	switch st := st.(type) {
	case *ast.IncDecStmt:
		return isInteger(st.X, info) && pureExpr(st.X, info)
	case *ast.AssignStmt:
		if len(st.Lhs) != 1 || len(st.Rhs) != 1 || !pureExpr(st.Rhs[0], info) {
			return false
		}
		if root := rootIdent(st.Lhs[0]); root == "" || mentions(st.Rhs[0], root) {
			return false // h += h*31 + k: each step reads what earlier ones wrote
		}
		switch st.Tok {
		case token.ADD_ASSIGN, token.SUB_ASSIGN:
			return isInteger(st.Lhs[0], info) && pureExpr(st.Lhs[0], info)
		case token.ASSIGN:
			ix, ok := st.Lhs[0].(*ast.IndexExpr)
			return ok && key != "" && isMap(ix.X, info) && isIdentNamed(ix.Index, key) && pureExpr(ix.X, info)
		}
	case *ast.ExprStmt:
		call, ok := st.X.(*ast.CallExpr)
		return ok && key != "" && isBuiltin(call.Fun, "delete", info) && len(call.Args) == 2 &&
			isIdentNamed(call.Args[1], key) && pureExpr(call.Args[0], info)
	}
	return false
}

func isInteger(e ast.Expr, info *types.Info) bool {
	tv, ok := info.Types[e]
	if !ok || tv.Type == nil {
		return false
	}
	b, ok := tv.Type.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

func isMap(e ast.Expr, info *types.Info) bool {
	tv, ok := info.Types[e]
	if !ok || tv.Type == nil {
		return false
	}
	_, ok = tv.Type.Underlying().(*types.Map)
	return ok
}

func isBuiltin(fun ast.Expr, name string, info *types.Info) bool {
	id, ok := fun.(*ast.Ident)
	if !ok || id.Name != name {
		return false
	}
	_, ok = info.Uses[id].(*types.Builtin)
	return ok
}

// purePackages are standard packages whose functions have no side effects.
var purePackages = []string{"bytes", "math", "strconv", "strings", "unicode", "unicode/utf8"}

// pureExpr reports whether evaluating e has no side effects: no calls but
// to builtins, conversions and functions of purePackages, no receives, no
// function literals.
func pureExpr(e ast.Expr, info *types.Info) bool {
	pure := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			tv := info.Types[n.Fun]
			id, isIdent := n.Fun.(*ast.Ident)
			_, builtin := info.Uses[id].(*types.Builtin)
			pkg, _, isPkgCall := pkgCall(n, nil, info)
			pure = pure && (tv.IsType() || isIdent && builtin || isPkgCall && slices.Contains(purePackages, pkg))
		case *ast.UnaryExpr:
			pure = pure && n.Op != token.ARROW
		case *ast.FuncLit:
			pure = false
		}
		return pure
	})
	return pure
}

// orderIndependentLines returns the lines on which a comment containing the
// orderIndependent mark ends.
func orderIndependentLines(fset *token.FileSet, f *ast.File) map[int]bool {
	lines := map[int]bool{}
	for _, g := range f.Comments {
		for _, c := range g.List {
			if strings.Contains(c.Text, orderIndependent) {
				lines[fset.Position(c.End()).Line] = true
			}
		}
	}
	return lines
}

// linter holds what every lintPackage call shares: the file set, the
// importers and the packages of this module already type-checked.
type linter struct {
	fset       *token.FileSet
	std        types.Importer
	source     types.Importer
	modulePath string
	moduleRoot string
	pkgs       map[string]*types.Package
}

var theLinter *linter

func sharedLinter() *linter {
	if theLinter == nil {
		fset := token.NewFileSet()
		root, _ := filepath.Abs("..")
		theLinter = &linter{
			fset:       fset,
			std:        importer.ForCompiler(fset, "gc", nil),
			source:     importer.ForCompiler(fset, "source", nil),
			modulePath: modulePathOf(filepath.Join(root, "go.mod")),
			moduleRoot: root,
			pkgs:       map[string]*types.Package{},
		}
	}
	return theLinter
}

// modulePathOf reads the module path from a go.mod file.
func modulePathOf(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// check type-checks the files of the package in dir, ignoring type errors,
// and returns what it learnt.
func (l *linter) check(dir string, files []*ast.File) *types.Info {
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: l, Error: func(error) {}}
	_, _ = conf.Check(dir, l.fset, files, info)
	return info
}

// Import implements types.Importer: packages of this module from source,
// the standard library from export data, anything else from source.
func (l *linter) Import(path string) (*types.Package, error) {
	if pkg, ok := l.pkgs[path]; ok {
		return pkg, nil
	}
	rel, inModule := strings.CutPrefix(path, l.modulePath)
	if l.modulePath == "" || !inModule || rel != "" && rel[0] != '/' {
		if pkg, err := l.std.Import(path); err == nil {
			return pkg, nil
		}
		return l.source.Import(path)
	}
	l.pkgs[path] = nil // an import cycle finds nil and fails instead of looping
	var files []*ast.File
	for _, name := range goFiles(filepath.Join(l.moduleRoot, filepath.FromSlash(rel))) {
		if f, err := parser.ParseFile(l.fset, name, nil, parser.SkipObjectResolution); err == nil {
			files = append(files, f)
		}
	}
	conf := types.Config{Importer: l, Error: func(error) {}}
	pkg, _ := conf.Check(path, l.fset, files, nil)
	l.pkgs[path] = pkg
	if pkg == nil {
		return nil, fmt.Errorf("lint: cannot load %s", path)
	}
	return pkg, nil
}

// TestDeterminismLint runs the lint over every simulated package of the
// module and fails on any violation.
func TestDeterminismLint(t *testing.T) {
	dirs := goPackageDirs(".")
	require.Equal(t, []string{"."}, dirs, "package folders under sim (realtime and testdata skipped)")
	var found []string
	for _, root := range simulatedRoots {
		for _, v := range lintDeterminism(filepath.Join("..", root)) {
			found = append(found, v.String())
		}
	}
	require.Empty(t, found, "determinism violations in simulated packages")
}

// wantRe matches the expectations in the planted fixture: `// want: rule[, rule]`.
var wantRe = regexp.MustCompile(`// want: ([a-z, -]+)$`)

// TestDeterminismLintCatchesPlanted runs the lint over a fixture holding
// every kind of violation, marked `// want: rule` on its line, and checks the
// lint reports exactly the marked lines and rules.
func TestDeterminismLintCatchesPlanted(t *testing.T) {
	const dir = "testdata/planted"
	want := map[string]bool{}
	rules := map[string]bool{}
	for _, path := range goFiles(dir) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for i, line := range strings.Split(string(data), "\n") {
			if m := wantRe.FindStringSubmatch(line); m != nil {
				for _, rule := range strings.Split(m[1], ",") {
					rule = strings.TrimSpace(rule)
					want[fmt.Sprintf("%s:%d: %s", path, i+1, rule)] = true
					rules[rule] = true
				}
			}
		}
	}
	for _, rule := range lintRules {
		require.True(t, rules[rule], "the fixture plants no %s violation", rule)
	}
	got := map[string]bool{}
	for _, v := range lintDeterminism(dir) {
		got[fmt.Sprintf("%s:%d: %s", v.Pos.Filename, v.Pos.Line, v.Rule)] = true
	}
	require.Equal(t, sortedKeys(want), sortedKeys(got), "lintDeterminism(%s): violations by line and rule", dir)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
