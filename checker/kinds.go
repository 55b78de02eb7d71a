package checker

import "time"

// newSpec returns an empty spec of kind k, and whether k is a kind.
func newSpec(k Kind) (spec, bool) {
	switch k {
	case KindImage:
		return &imageSpec{}, true
	case KindContainer:
		return &containerSpec{}, true
	case KindContainers:
		return &containersSpec{}, true
	case KindNetwork:
		return &networkSpec{}, true
	case KindVolume:
		return &volumeSpec{}, true
	case KindExec:
		return &execSpec{}, true
	case KindHTTP:
		return &httpSpec{}, true
	case KindTCP:
		return &tcpSpec{}, true
	case KindPostgres:
		return &postgresSpec{}, true
	case KindFile:
		return &fileSpec{}, true
	case KindQuiz:
		return &quizSpec{}, true
	case KindCommand:
		return &commandSpec{}, true
	case KindVM:
		return &vmSpec{}, true
	case KindBuild:
		return &buildSpec{}, true
	}
	return nil, false
}

// defaultTimeout is how long a kind retries unless the check says otherwise:
// settled objects are not retried; services that may still be starting are.
func defaultTimeout(k Kind) time.Duration {
	switch k {
	case KindContainer, KindContainers:
		return 2 * time.Second
	case KindExec, KindHTTP, KindTCP:
		return 5 * time.Second
	case KindPostgres:
		return 15 * time.Second
	case KindCommand:
		return 10 * time.Second
	}
	return 0
}
