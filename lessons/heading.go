package lessons

// isSpace is the regexp class \s: the white space a heading's text is
// trimmed of.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// splitHeading cuts an ATX heading line ("## Title {#id} ##") into its
// text and its attribute block ("{#id}", or ""): up to three spaces, the
// #s, then the text, trimmed of spaces and of a final attribute block and
// closing #s. ok is false for a line that is no such heading (a setext
// heading's text, or text spanning lines). It reads a line as the regexp
// ^\s{0,3}#+\s*(.*?)\s*(\{[^}]*\})?\s*#*\s*$ does (TestSplitHeading and
// FuzzSplitHeading hold it to it), without compiling one in every start
// that lists the course.
func splitHeading(line string) (title, attrs string, ok bool) {
	start := 0
	for start < len(line) && isSpace(line[start]) {
		start++
	}
	if start > 3 || start == len(line) || line[start] != '#' {
		return "", "", false
	}
	for start < len(line) && line[start] == '#' {
		start++
	}
	for start < len(line) && isSpace(line[start]) {
		start++
	}
	// The text ends where the longest tail of spaces, an attribute
	// block, spaces, #s and spaces begins, read from the right.
	end := len(line)
	for end > start && isSpace(line[end-1]) {
		end--
	}
	for end > start && line[end-1] == '#' {
		end--
	}
	for end > start && isSpace(line[end-1]) {
		end--
	}
	if end > start && line[end-1] == '}' {
		// The block opens at the leftmost { with no } after it.
		open := -1
		for i := end - 2; i >= start && line[i] != '}'; i-- {
			if line[i] == '{' {
				open = i
			}
		}
		if open >= 0 {
			attrs, end = line[open:end], open
			for end > start && isSpace(line[end-1]) {
				end--
			}
		}
	}
	title = line[start:end]
	for i := 0; i < len(title); i++ {
		if title[i] == '\n' {
			return "", "", false
		}
	}
	return title, attrs, true
}
