package checker

// MessageKeys exposes the catalog's keys to the tests.
var MessageKeys = messageKeys

// KoreanKeys lists the Korean catalog's message keys.
func KoreanKeys() []string {
	var out []string
	for k := range messageKeys("ko") {
		out = append(out, k)
	}
	return out
}

// RenderKorean renders key's text and hint in Korean with data.
func RenderKorean(key string, data map[string]any) string {
	return catalogFor("ko").line(key, data)
}
