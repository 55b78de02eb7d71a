package lessons

import (
	"reflect"
	"testing"
)

// TestQuizMark counts the right, extra and missing choices of an answer,
// each given choice once.
func TestQuizMark(t *testing.T) {
	q := &Quiz{Choices: []string{"a", "b", "c", "d"}, Answer: Answer{Choices: []int{1, 3}, Multiple: true}}
	for _, tc := range []struct {
		given                 []int
		right, extra, missing int
	}{
		{[]int{1, 3}, 2, 0, 0},
		{[]int{1}, 1, 0, 1},
		{[]int{1, 1}, 1, 0, 1},
		{[]int{1, 2, 3}, 2, 1, 0},
		{[]int{2, 3}, 1, 1, 1},
		{[]int{2, 4}, 0, 2, 2},
		{nil, 0, 0, 2},
	} {
		right, extra, missing := q.Mark(tc.given)
		if right != tc.right || extra != tc.extra || missing != tc.missing {
			t.Errorf("Mark(%v) = %d, %d, %d; want %d, %d, %d", tc.given, right, extra, missing, tc.right, tc.extra, tc.missing)
		}
	}
}

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
