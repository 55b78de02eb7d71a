package lessons

import (
	"reflect"
	"testing"
)

func TestQuizAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		src    string
		answer Answer
		given  []int
		right  bool
	}{
		{"single right", "answer: 2", Answer{Choices: []int{2}}, []int{2}, true},
		{"single wrong", "answer: 2", Answer{Choices: []int{2}}, []int{1}, false},
		{"multiple right in any order", "answer: [1, 3]", Answer{Choices: []int{1, 3}, Multiple: true}, []int{3, 1}, true},
		{"multiple missing one", "answer: [1, 3]", Answer{Choices: []int{1, 3}, Multiple: true}, []int{1}, false},
		{"multiple with an extra", "answer: [1, 3]", Answer{Choices: []int{1, 3}, Multiple: true}, []int{1, 2, 3}, false},
		{"multiple of one", "answer: [2]", Answer{Choices: []int{2}, Multiple: true}, []int{2}, true},
		{"no answer given", "answer: 1", Answer{Choices: []int{1}}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var probs Problems
			q := parseQuiz("f.md", "id: q\nquestion: Q?\nchoices: [a, b, c]\n"+tc.src+"\n", 10, &probs)
			if len(probs) != 0 || q == nil {
				t.Fatalf("parseQuiz() problems = %v", probs)
			}
			if !reflect.DeepEqual(q.Answer, tc.answer) {
				t.Errorf("Answer = %+v, want %+v", q.Answer, tc.answer)
			}
			if got := q.Correct(tc.given); got != tc.right {
				t.Errorf("Correct(%v) = %v, want %v", tc.given, got, tc.right)
			}
		})
	}
}
