package planner

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// valueRef is one operand of a component condition: an input parameter or
// a literal.
type valueRef struct {
	n  int                  // the input parameter, when av is nil
	av types.AttributeValue // the literal
}

func (r valueRef) value(in []types.AttributeValue) types.AttributeValue {
	if r.av != nil {
		return r.av
	}
	return in[r.n]
}

// compositeValue is the condition on a composite attribute that replaces
// conditions on its components: built per run with Composite.Condition
// from the component values (parameters or literals).
type compositeValue struct {
	comp *Composite
	eqs  []valueRef // the equal leading components
	op   string     // the operator on the next component, "" for none
	args []valueRef // its operands
	// shape is the condition's form (its Op and number of Values), the same
	// for every value: the statement is printed once for all runs.
	shape KeyCondition
}

// newCompositeValue prepares the condition for m and learns its shape.
func newCompositeValue(m *compositeMatch) (*compositeValue, error) {
	v := &compositeValue{comp: m.comp}
	for _, eq := range m.eqs {
		v.eqs = append(v.eqs, ref(eq.vals[0]))
	}
	if m.rng != nil {
		v.op = m.rng.op
		for _, x := range m.rng.vals {
			v.args = append(v.args, ref(x))
		}
	}
	// The shape depends only on the operator and on how many components
	// are pinned: learn it from sample values of the right kinds.
	k := len(v.eqs)
	eqs := make([]any, k)
	for i := range eqs {
		eqs[i] = sample(m.comp.Kinds[i])
	}
	var args []any
	if v.op != "" {
		args = make([]any, len(v.args))
		for i := range args {
			args[i] = sample(m.comp.Kinds[k])
		}
	}
	kc, err := m.comp.Condition(eqs, v.op, args...)
	if err != nil {
		return nil, err
	}
	v.shape = KeyCondition{Op: kc.Op, Values: make([]string, len(kc.Values))}
	return v, nil
}

func ref(e partiql.Expr) valueRef {
	switch x := e.(type) {
	case *partiql.Param:
		return valueRef{n: x.N}
	case *partiql.String:
		return valueRef{av: &types.AttributeValueMemberS{Value: x.Value}}
	case *partiql.Number:
		return valueRef{av: &types.AttributeValueMemberN{Value: x.Text}}
	}
	panic(fmt.Sprintf("indexhint: %T is not a value", e)) // isValue admits no other
}

func sample(k ComponentKind) any {
	switch k {
	case KindInt:
		return int64(0)
	case KindTime:
		return time.Unix(0, 0)
	case KindBytes:
		return []byte{0}
	}
	return "a"
}

// constant reports whether every operand is a literal.
func (v *compositeValue) constant() bool {
	for _, r := range append(v.eqs[:len(v.eqs):len(v.eqs)], v.args...) {
		if r.av == nil {
			return false
		}
	}
	return true
}

// condition computes the composite condition from the values in of the
// statement's parameters.
func (v *compositeValue) condition(in []types.AttributeValue) (KeyCondition, error) {
	eqs := make([]any, len(v.eqs))
	for i, r := range v.eqs {
		eqs[i] = r.value(in)
	}
	var args []any
	if v.op != "" {
		args = make([]any, len(v.args))
		for i, r := range v.args {
			args[i] = r.value(in)
		}
	}
	kc, err := v.comp.Condition(eqs, v.op, args...)
	if err != nil {
		return KeyCondition{}, err
	}
	if kc.Op != v.shape.Op || len(kc.Values) != len(v.shape.Values) {
		// Condition's form depends on the operator only; never here.
		return KeyCondition{}, fmt.Errorf("indexhint: composite %q: condition %s, planned %s", v.comp.Attribute, kc.Op, v.shape.Op)
	}
	return kc, nil
}

// exact reports whether the composite condition selects exactly the items
// the equalities it replaces select, so that they can go. Time components
// are compared as instants in the composite and as text in the attribute,
// so their equalities stay as filters; range conditions always stay.
func (m *compositeMatch) exact() bool {
	for i := range m.eqs {
		if m.comp.Kinds[i] == KindTime {
			return false
		}
	}
	return true
}

// expr returns the condition on the composite attribute in the planned
// shape, with one new parameter per value.
func (v *compositeValue) expr() (partiql.Expr, []*partiql.Param) {
	params := make([]*partiql.Param, len(v.shape.Values))
	for i := range params {
		params[i] = &partiql.Param{N: -1}
	}
	attr := partiql.NewPath(v.comp.Attribute)
	switch v.shape.Op {
	case OpBetween:
		return &partiql.Between{X: attr, Lo: params[0], Hi: params[1]}, params
	case OpBeginsWith:
		return &partiql.Call{Name: "begins_with", Args: []partiql.Expr{attr, params[0]}}, params
	}
	return &partiql.Binary{Op: partiql.Op(v.shape.Op), L: attr, R: params[0]}, params
}
