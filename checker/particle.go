package checker

import (
	"fmt"
	"strings"
	"unicode"
)

// Korean particles change with the word before them: 이/가, 은/는, 을/를,
// 과/와 by whether its last syllable ends in a consonant (받침), and
// (으)로 also by whether that consonant is ㄹ. The catalog's Korean
// templates call these functions on a value, e.g. {{이가 .subject}}, so
// "종료 코드 0으로" and "hello가" read right whatever the value is.
var particles = map[string]any{
	"이가": func(v any) string { return withParticle(v, "이", "가") },
	"은는": func(v any) string { return withParticle(v, "은", "는") },
	"을를": func(v any) string { return withParticle(v, "을", "를") },
	"과와": func(v any) string { return withParticle(v, "과", "와") },
	// 이에요/예요 ends a sentence in 해요체 after a value: "5433이에요", "exited예요".
	"이에요": func(v any) string { return withParticle(v, "이에요", "예요") },
	"으로": func(v any) string {
		s := fmt.Sprint(v)
		if f := final(s); f == finalNone || f == finalRieul {
			return s + "로"
		}
		return s + "으로"
	},
}

func withParticle(v any, consonant, vowel string) string {
	s := fmt.Sprint(v)
	if final(s) == finalNone {
		return s + vowel
	}
	return s + consonant
}

type finalSound int

const (
	finalNone finalSound = iota
	finalRieul
	finalOther
)

// digitFinals are how the last digit is read: 영 일 이 삼 사 오 육 칠 팔 구.
var digitFinals = [10]finalSound{finalOther, finalRieul, finalNone, finalOther, finalNone, finalNone,
	finalOther, finalRieul, finalRieul, finalNone}

// final is how s, read aloud in Korean, ends: with no consonant, with ㄹ,
// or with another consonant. Closing quotes and brackets are skipped;
// Latin words are read as Korean reads loanwords (web 웹, nginx 엔진엑스,
// hello 헬로, alpine 알파인, html 에이치티엠엘).
func final(s string) finalSound {
	s = strings.TrimRightFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\"')]}`.,:;!?", r)
	})
	if s == "" {
		return finalNone
	}
	rs := []rune(s)
	last := rs[len(rs)-1]
	switch {
	case last >= 0xAC00 && last <= 0xD7A3:
		switch (last - 0xAC00) % 28 {
		case 0:
			return finalNone
		case 8:
			return finalRieul
		}
		return finalOther
	case last >= '0' && last <= '9':
		return digitFinals[last-'0']
	case last < unicode.MaxASCII && unicode.IsLetter(last):
		return latinFinal(string(rs))
	}
	return finalNone
}

// acronyms are read letter by letter even in small letters.
var acronyms = map[string]bool{"tcp": true, "udp": true, "http": true, "https": true, "sql": true, "dns": true,
	"ip": true, "id": true, "url": true, "api": true, "vm": true, "cpu": true, "tls": true}

// latinFinal reads the end of a Latin word: a word in capitals is spelled
// out letter by letter (SQL 에스큐엘, VM 브이엠), and so is one without a
// vowel (tcp 티시피); others are read as a loanword.
func latinFinal(s string) finalSound {
	i := len(s)
	for i > 0 && s[i-1] < unicode.MaxASCII && unicode.IsLetter(rune(s[i-1])) {
		i--
	}
	word := s[i:]
	if acronyms[strings.ToLower(word)] || strings.ToUpper(word) == word && len(word) <= 5 || !strings.ContainsAny(strings.ToLower(word), "aeiouy") {
		switch unicode.ToUpper(rune(word[len(word)-1])) {
		case 'L', 'R':
			return finalRieul
		case 'M', 'N':
			return finalOther
		}
		return finalNone
	}
	w := strings.ToLower(word)
	switch {
	case strings.HasSuffix(w, "ng"), strings.HasSuffix(w, "m"), strings.HasSuffix(w, "n"),
		strings.HasSuffix(w, "me"), strings.HasSuffix(w, "ne"),
		strings.HasSuffix(w, "b"), strings.HasSuffix(w, "ck"), strings.HasSuffix(w, "c"),
		(strings.HasSuffix(w, "p") || strings.HasSuffix(w, "k")) && !afterConsonant(w),
		strings.HasSuffix(w, "t") && !tAsTeu(w):
		return finalOther
	case strings.HasSuffix(w, "l"), strings.HasSuffix(w, "le"):
		return finalRieul
	}
	return finalNone
}

// afterConsonant reports whether a word's last letter follows another
// consonant: its final p or k is then read 프 or 크, a syllable of its own
// (help 헬프, network 네트워크, disk 디스크), rather than a final
// consonant (top 톱, book 북, app 앱).
func afterConsonant(w string) bool {
	return len(w) >= 2 && w[len(w)-2] != w[len(w)-1] && !strings.ContainsRune("aeiouy", rune(w[len(w)-2]))
}

// tAsTeu reports whether a word's final t is read 트, a syllable of its
// own, rather than a final consonant (net 넷, cat 캣): after another
// consonant (default 디폴트, port 포트, host 호스트, client 클라이언트)
// or a long vowel (boot 부트, sheet 시트).
func tAsTeu(w string) bool {
	if len(w) < 2 {
		return false
	}
	before := w[len(w)-2]
	if !strings.ContainsRune("aeiouy", rune(before)) {
		return true
	}
	for _, long := range []string{"oot", "eet", "eat", "oat", "ait"} {
		if strings.HasSuffix(w, long) {
			return true
		}
	}
	return false
}
