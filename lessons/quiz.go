package lessons

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Answer is a quiz's right choice (Multiple false) or choices (Multiple
// true), 1-based.
type Answer struct {
	Choices  []int
	Multiple bool
}

// UnmarshalYAML reads `answer: 2` (single choice) or `answer: [1, 3]`
// (multiple choice).
func (a *Answer) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var c int
		if err := n.Decode(&c); err != nil {
			return fmt.Errorf("want a choice number or a list of them, found %s", describe(n))
		}
		*a = Answer{Choices: []int{c}}
	case yaml.SequenceNode:
		var cs []int
		if err := n.Decode(&cs); err != nil {
			return fmt.Errorf("want a list of choice numbers, found %s", describe(n))
		}
		*a = Answer{Choices: cs, Multiple: true}
	default:
		return fmt.Errorf("want a choice number or a list of them, found %s", describe(n))
	}
	return nil
}

// quizFields are the fields a quiz must have; explanation is optional.
var quizFields = []string{"id", "question", "choices", "answer"}

// parseQuiz reads a ```quiz block whose first YAML line is at file line
// line, reporting each problem at its own line.
func parseQuiz(file, src string, line int, probs *Problems) *Quiz {
	at := func(n *yaml.Node) int { return line + n.Line - 1 }
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		l, msg := yamlError(err)
		probs.add(file, line+max(l, 1)-1, "```quiz block is not valid YAML: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		probs.add(file, line-1, "```quiz block must be a YAML mapping with %s", strings.Join(quizFields, ", "))
		return nil
	}
	root := doc.Content[0]
	q := &Quiz{Line: line}
	have := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		have[k.Value] = true
		var err error
		switch k.Value {
		case "id":
			err = decodeScalar(v, &q.ID, "a string")
			if err == nil && !stepID().MatchString(q.ID) {
				err = fmt.Errorf("%q: use lowercase letters, digits and dashes", q.ID)
			}
		case "question":
			err = decodeScalar(v, &q.Question, "a string")
		case "choices":
			err = decodeList(v, &q.Choices, "a list of strings")
		case "answer":
			err = v.Decode(&q.Answer)
		case "explanation":
			err = decodeScalar(v, &q.Explanation, "a string")
		default:
			probs.add(file, at(k), "quiz: unknown field %q (known: %s, explanation)", k.Value, strings.Join(quizFields, ", "))
		}
		if err != nil {
			probs.add(file, at(v), "quiz: %s: %v", k.Value, err)
			have[k.Value] = false
		}
	}
	ok := true
	for _, f := range quizFields {
		if _, given := have[f]; !given {
			probs.add(file, line-1, "quiz: missing field %q", f)
			ok = false
		} else if !have[f] {
			ok = false
		}
	}
	if !ok {
		return nil
	}
	if len(q.Choices) < 2 {
		probs.add(file, line-1, "quiz %q: give at least two choices", q.ID)
		return nil
	}
	if len(q.Answer.Choices) == 0 {
		probs.add(file, line-1, "quiz %q: answer lists no choice", q.ID)
		return nil
	}
	for _, c := range q.Answer.Choices {
		if c < 1 || c > len(q.Choices) {
			probs.add(file, line-1, "quiz %q: answer %d is not a choice (1 to %d)", q.ID, c, len(q.Choices))
			return nil
		}
	}
	return q
}
