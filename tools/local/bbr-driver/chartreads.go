// chart-reads: every `.Values` path a chart's templates read, from the parse trees of Go's own
// text/template/parse (the parser Helm's engine runs). It reads {"<file>": "<template text>"} on
// stdin and writes [{"path", "read", "files"}] sorted by path. Nothing is evaluated: the walk
// follows how `with` and `range` rebind the dot, the paths variables hold while in scope, and
// `index`, `get` and `dig` with literal keys; it stops with the file and action on a construct
// it does not know, so that a person reads that part by hand instead of trusting a guess.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"text/template/parse"
)

// readPath is one values path, how it is read and by which template files.
type readPath struct {
	Path  string   `json:"path"`
	Read  []string `json:"read"`
	Files []string `json:"files"`
}

// dot is what `.` is: the chart's root context, a values path, or something that is not values
// (a `range $i := until n` counter, a helper no template calls).
type dot struct {
	root, values bool
	path         string
}

var (
	rootFields = map[string]bool{"Release": true, "Chart": true, "Capabilities": true, "Template": true, "Files": true}
	// Functions whose result holds the path they are given, for a variable set from one.
	keepsPath   = map[string]bool{"index": true, "get": true, "dig": true, "trim": true, "int": true, "int64": true, "float64": true, "toString": true, "deepCopy": true, "default": true}
	comparisons = map[string]bool{"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true, "and": true, "or": true, "not": true}
	called      = regexp.MustCompile(`\b(?:include|template|block)\s+"([^"]+)"`)
)

// variable is a template variable and the values paths it holds.
type variable struct {
	name  string
	paths []string
}

// walker reads one parse tree at a time; the reads (path → {kinds, files}) are all the trees'.
// Its variables are a stack, as text/template's state keeps them (exec.go's push, setVar, mark
// and pop): a variable declared in `if`, `with` or `range` ends with it.
type walker struct {
	reads map[string][2]map[string]bool
	tree  *parse.Tree
	vars  []variable
}

// lookup is the paths of the innermost variable of that name.
func (w *walker) lookup(name string) []string {
	for i := len(w.vars) - 1; i >= 0; i-- {
		if w.vars[i].name == name {
			return w.vars[i].paths
		}
	}
	return nil
}

// set declares a variable (`:=`) or changes the innermost one of that name (`=`).
func (w *walker) set(name string, paths []string, assign bool) {
	for i := len(w.vars) - 1; assign && i >= 0; i-- {
		if w.vars[i].name == name {
			w.vars[i].paths = paths
			return
		}
	}
	w.vars = append(w.vars, variable{name, paths})
}

func (w *walker) add(path, kind string) {
	// `.Values` itself, or a map's value as a whole (`range $k, $v :=` reads those already).
	if path == "" || strings.HasSuffix(path, ".*") {
		return
	}
	if _, ok := w.reads[path]; !ok {
		w.reads[path] = [2]map[string]bool{{}, {}}
	}
	w.reads[path][0][kind] = true
	w.reads[path][1][w.tree.ParseName] = true
}

// unknown is a construct the walk does not know, where it is.
type unknown struct{ error }

func (w *walker) fail(n parse.Node, format string, args ...any) {
	location, context := w.tree.ErrorContext(n)
	panic(unknown{fmt.Errorf("%s %s: %s", location, context, fmt.Sprintf(format, args...))})
}

// join extends each path by fields (`[]`, a list's item, without a dot).
func join(base []string, fields ...string) []string {
	out := []string{}
	for _, b := range base {
		for _, f := range fields {
			if b != "" && f != "[]" {
				b += "."
			}
			b += f
		}
		out = append(out, b)
	}
	return out
}

func function(c *parse.CommandNode) string {
	if f, ok := c.Args[0].(*parse.IdentifierNode); ok {
		return f.Ident
	}
	return ""
}

// refs are the values paths an expression refers to ("" is `.Values` itself, never recorded).
func (w *walker) refs(n parse.Node, d dot) []string {
	switch n := n.(type) {
	case *parse.FieldNode:
		switch {
		case !d.root && !d.values:
			return nil
		case !d.root: // `.Values` here is a field of the item, as Helm reads it (a template bug)
			return join([]string{d.path}, n.Ident...)
		case n.Ident[0] == "Values":
			return join([]string{""}, n.Ident[1:]...)
		case !rootFields[n.Ident[0]]:
			w.fail(n, ".%s on the chart's root context is not a values path I know how to read", n.Ident[0])
		}
	case *parse.VariableNode:
		if n.Ident[0] != "$" {
			return join(w.lookup(n.Ident[0]), n.Ident[1:]...)
		}
		if len(n.Ident) > 1 && n.Ident[1] == "Values" {
			return join([]string{""}, n.Ident[2:]...)
		}
	case *parse.DotNode:
		if d.values {
			return []string{d.path}
		}
	case *parse.ChainNode:
		// `(index .Values.a 0).b` is a path; `(split "/" .Values.a)._0` a field of a string.
		if p, ok := n.Node.(*parse.PipeNode); ok && !holdsPath(p) {
			return w.refs(p, d)
		}
		return join(w.refs(n.Node, d), n.Field...)
	case *parse.PipeNode:
		out := []string{}
		for _, c := range n.Cmds {
			out = append(out, w.refs(c, d)...)
		}
		return out
	case *parse.CommandNode:
		args := n.Args
		switch function(n) {
		case "index":
			base := w.refs(n.Args[1], d)
			for _, key := range n.Args[2:] {
				switch key := key.(type) {
				case *parse.StringNode:
					base = join(base, key.Text)
				case *parse.NumberNode:
					base = join(base, "[]")
				case *parse.VariableNode:
					base = join(base, "*")
				default:
					w.fail(n, "index by %s", key)
				}
			}
			return base
		case "get": // `get $map "key"`
			if key, ok := n.Args[len(n.Args)-1].(*parse.StringNode); ok && len(n.Args) == 3 {
				return join(w.refs(n.Args[1], d), key.Text)
			}
		case "dig": // `dig "k1" "k2" default $map`: the keys' path; the default is a value
			if len(n.Args) < 4 { // the map comes down the pipeline: its path, as any argument
				break
			}
			keys := []string{}
			for _, key := range n.Args[1 : len(n.Args)-2] {
				if key, ok := key.(*parse.StringNode); ok {
					keys = append(keys, key.Text)
				} else {
					w.fail(n, "dig by %s", key)
				}
			}
			return append(join(w.refs(n.Args[len(n.Args)-1], d), keys...), w.refs(n.Args[len(n.Args)-2], d)...)
		case "include", "template":
			if len(n.Args) != 3 || (n.Args[2].Type() != parse.NodeDot || d.values) && n.Args[2].String() != "$" {
				w.fail(n, "include with another context than the root")
			}
			return nil
		case "set": // `set $map "key" value` reads only the value
			args = args[3:]
		}
		out := []string{}
		for _, a := range args {
			out = append(out, w.refs(a, d)...)
		}
		return out
	}
	return nil
}

// record notes every path a pipeline refers to as read in one way (whole, where it is printed
// with toYaml or toJson), and returns them.
func (w *walker) record(p *parse.PipeNode, kind string, d dot) []string {
	paths := w.refs(p, d)
	if strings.Contains(p.String(), "toYaml") || strings.Contains(p.String(), "toJson") {
		kind = "subtree"
	}
	for _, path := range paths {
		w.add(path, kind)
	}
	return paths
}

// holdsPath says whether a pipeline's value is the path it names: the path alone, through
// `default`, `index`, `get`, `dig` and conversions.
func holdsPath(p *parse.PipeNode) bool {
	for i, c := range p.Cmds {
		f := function(c)
		if f == "" && (i > 0 || len(c.Args) != 1) || f != "" && !keepsPath[f] {
			return false
		}
		for _, a := range c.Args {
			if inner, ok := a.(*parse.PipeNode); ok && f != "default" && f != "dig" && !holdsPath(inner) {
				return false
			}
		}
	}
	return true
}

// assign sets the variable a pipeline declares or assigns to the paths it holds.
func (w *walker) assign(p *parse.PipeNode, d dot) {
	name, first := p.Decl[0].Ident[0], function(p.Cmds[0])
	keep := func(paths []string) {
		if p.IsAssign {
			paths = append(paths, w.lookup(name)...)
		}
		w.set(name, slices.Compact(slices.Sorted(slices.Values(paths))), p.IsAssign)
	}
	switch {
	case name == "$_": // a discarded result (`set`, `required`): what it refers to is read
		w.record(p, "value", d)
	case first == "append" && len(p.Cmds) == 1 && p.Cmds[0].Args[1].String() == name: // the list holds what it held
		for _, path := range w.refs(&parse.CommandNode{Args: p.Cmds[0].Args[2:]}, d) {
			w.add(path, "value")
		}
	case first == "merge" || first == "mergeOverwrite":
		keep(w.refs(p, d))
	case comparisons[first]: // a boolean, not a path
		w.record(p, "value", d)
		w.set(name, nil, p.IsAssign)
	default:
		paths := slices.Compact(slices.Sorted(slices.Values(w.refs(p, d))))
		if len(paths) > 1 {
			// Several paths under one (llm-d-router's merged proxy): everything below their
			// common prefix, read whole.
			prefix := strings.Split(paths[0], ".")
			for _, other := range paths[1:] {
				parts := strings.Split(other, ".")
				n := 0
				for n < len(prefix) && n < len(parts) && prefix[n] == parts[n] {
					n++
				}
				prefix = prefix[:n]
			}
			if len(prefix) == 0 {
				w.fail(p, "a variable set from %d paths", len(paths))
			}
			w.add(strings.Join(prefix, "."), "subtree")
			w.set(name, []string{strings.Join(prefix, ".")}, p.IsAssign)
			return
		}
		if len(paths) == 1 && !holdsPath(p) {
			w.fail(p, "a variable set from an expression over a values path")
		}
		keep(paths)
	}
}

// commands are a pipeline's commands and those of the pipelines in their arguments.
func commands(p *parse.PipeNode) []*parse.CommandNode {
	out := []*parse.CommandNode{}
	for _, c := range p.Cmds {
		out = append(out, c)
		for _, a := range c.Args {
			if inner, ok := a.(*parse.PipeNode); ok {
				out = append(out, commands(inner)...)
			}
		}
	}
	return out
}

// branch walks a block with the dot it binds, and its else branch with the dot outside.
func (w *walker) branch(list, elseList *parse.ListNode, inner, outer dot) {
	for _, l := range []struct {
		nodes *parse.ListNode
		d     dot
	}{{list, inner}, {elseList, outer}} {
		if l.nodes != nil {
			for _, n := range l.nodes.Nodes {
				w.node(n, l.d)
			}
		}
	}
}

// block is the dot inside a `with` or `range` over paths: the one path, or not values.
func (w *walker) block(n parse.Node, paths []string, suffix string) dot {
	if len(paths) > 1 {
		w.fail(n, "%d paths", len(paths))
	}
	if len(paths) == 0 {
		return dot{}
	}
	return dot{values: true, path: paths[0] + suffix}
}

// declare gives the variable a `with` or `range` declares (`with $x :=`, `range $v :=`, the
// value of `range $k, $v :=`) the path the dot holds inside, and returns that dot.
func (w *walker) declare(p *parse.PipeNode, inner dot) dot {
	if len(p.Decl) > 0 {
		var paths []string
		if inner.values {
			paths = []string{inner.path}
		}
		w.set(p.Decl[len(p.Decl)-1].Ident[0], paths, false)
	}
	return inner
}

func (w *walker) node(n parse.Node, d dot) {
	switch n.(type) {
	case *parse.IfNode, *parse.WithNode, *parse.RangeNode:
		defer func(mark int) { w.vars = w.vars[:mark] }(len(w.vars))
	}
	switch n := n.(type) {
	case *parse.ActionNode:
		if len(n.Pipe.Decl) > 0 {
			w.assign(n.Pipe, d)
		} else {
			w.record(n.Pipe, "value", d)
		}
	case *parse.IfNode:
		for _, c := range commands(n.Pipe) {
			if key, ok := c.Args[len(c.Args)-1].(*parse.StringNode); ok && function(c) == "hasKey" && len(c.Args) == 3 {
				for _, path := range join(w.refs(c.Args[1], d), key.Text) {
					w.add(path, "test")
				}
			}
		}
		w.record(n.Pipe, "test", d)
		w.branch(n.List, n.ElseList, d, d)
	case *parse.WithNode:
		w.branch(n.List, n.ElseList, w.declare(n.Pipe, w.block(n, w.record(n.Pipe, "test", d), "")), d)
	case *parse.RangeNode:
		first := function(n.Pipe.Cmds[0])
		switch {
		case len(n.Pipe.Decl) == 1 && (first == "until" || first == "untilStep"):
			// A counter: the bounds are read as values; the dot is a number.
			w.record(n.Pipe, "value", d)
			w.branch(n.List, n.ElseList, dot{}, d)
		case len(n.Pipe.Decl) == 2:
			// Inside `range $k, $v :=` the templates use $k and $v; the dot is the item either way.
			paths := w.refs(n.Pipe, d)
			for _, path := range paths {
				w.add(path, "map")
			}
			w.branch(n.List, n.ElseList, w.declare(n.Pipe, w.block(n, paths, ".*")), d)
		default:
			paths := w.refs(n.Pipe, d)
			for _, path := range paths {
				w.add(path, "list")
			}
			w.branch(n.List, n.ElseList, w.declare(n.Pipe, w.block(n, paths, "[]")), d)
		}
	case *parse.TemplateNode:
		if n.Pipe == nil || len(n.Pipe.Cmds) != 1 || (n.Pipe.Cmds[0].Args[0].Type() != parse.NodeDot || d.values) && n.Pipe.Cmds[0].Args[0].String() != "$" {
			w.fail(n, "template with another context than the root")
		}
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
	default:
		w.fail(n, "%T is not supported", n)
	}
}

// chartReads parses every template and walks it: a file from the chart's root context, a helper
// some template calls from the root context too (`include "x" .`), one no template calls with a
// dot that is not values (only its `$.Values` are read).
func chartReads(files map[string]string) (out []readPath, err error) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(unknown)
			if !ok {
				panic(r)
			}
			err = u
		}
	}()
	// Each file parses on its own, as Helm's engine adds each to its set (a helper defined again
	// replaces the first): every definition is walked.
	trees, callees := []*parse.Tree{}, map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		for _, m := range called.FindAllStringSubmatch(files[name], -1) {
			callees[m[1]] = true
		}
		t, set := parse.New(name), map[string]*parse.Tree{}
		t.Mode = parse.SkipFuncCheck
		if _, err := t.Parse(files[name], "", "", set); err != nil {
			return nil, err
		}
		for _, defined := range slices.Sorted(maps.Keys(set)) {
			trees = append(trees, set[defined])
		}
	}
	w := &walker{reads: map[string][2]map[string]bool{}}
	for _, tree := range trees {
		w.tree, w.vars = tree, nil
		_, isFile := files[tree.Name]
		w.branch(tree.Root, nil, dot{root: isFile || callees[tree.Name]}, dot{})
	}
	out = []readPath{}
	for _, path := range slices.Sorted(maps.Keys(w.reads)) {
		sets := w.reads[path]
		out = append(out, readPath{path, slices.Sorted(maps.Keys(sets[0])), slices.Sorted(maps.Keys(sets[1]))})
	}
	return out, nil
}

func printChartReads(in io.Reader) error {
	var files map[string]string
	if err := json.NewDecoder(in).Decode(&files); err != nil {
		return fmt.Errorf("reading the templates: %w", err)
	}
	reads, err := chartReads(files)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(reads)
}
