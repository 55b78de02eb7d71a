package container

import (
	"fmt"
	"math/rand/v2"
)

// Generated names follow Docker's adjective_surname style: an adjective and
// the surname of a scientist or engineer.
var (
	adjectives = []string{
		"admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful",
		"blissful", "bold", "boring", "brave", "busy", "charming", "clever", "compassionate",
		"competent", "condescending", "confident", "cool", "cranky", "crazy", "dazzling", "determined",
		"distracted", "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent",
		"epic", "exciting", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty",
		"funny", "gallant", "gifted", "goofy", "gracious", "great", "happy", "hardcore",
		"heuristic", "hopeful", "hungry", "infallible", "inspiring", "intelligent", "interesting", "jolly",
		"jovial", "keen", "kind", "laughing", "loving", "lucid", "magical", "modest",
		"musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic", "objective",
		"optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical",
		"recursing", "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly",
		"sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty",
		"trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful",
		"xenodochial", "youthful", "zealous", "zen",
	}
	surnames = []string{
		"agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin",
		"babbage", "banach", "bardeen", "bartik", "bassi", "bell", "bhabha", "bhaskara",
		"blackwell", "bohr", "booth", "borg", "bose", "boyd", "brahmagupta", "brattain",
		"brown", "carson", "cerf", "chandrasekhar", "chatelet", "chaum", "clarke", "colden",
		"cori", "cray", "curie", "darwin", "davinci", "dijkstra", "dubinsky", "easley",
		"edison", "einstein", "elion", "engelbart", "euclid", "euler", "fermat", "fermi",
		"feynman", "franklin", "galileo", "gates", "goldberg", "goldstine", "goodall", "hamilton",
		"haslett", "hawking", "heisenberg", "hermann", "hodgkin", "hoover", "hopper", "hypatia",
		"jang", "jennings", "johnson", "joliot", "kalam", "keller", "kepler", "khorana",
		"kilby", "knuth", "kowalevski", "lamarr", "lamport", "leakey", "leavitt", "lovelace",
		"lumiere", "mayer", "mccarthy", "mcclintock", "meitner", "mendel", "merkle", "minsky",
		"mirzakhani", "montalcini", "moore", "morse", "napier", "nash", "newton", "nobel",
		"noether", "noyce", "pascal", "pasteur", "payne", "perlman", "pike", "poincare",
		"ramanujan", "ride", "ritchie", "robinson", "rubin", "saha", "sammet", "shannon",
		"shockley", "sinoussi", "snyder", "stonebraker", "swanson", "tesla", "thompson", "torvalds",
		"turing", "varahamihira", "wescoff", "wilbur", "williams", "wilson", "wing", "wozniak",
		"wright", "wu", "yalow", "yonath",
	}
)

// GenerateName returns a random adjective_surname name; after the first
// try it appends a digit, as Docker does, to get out of collisions.
func GenerateName(try int) string {
	name := adjectives[rand.IntN(len(adjectives))] + "_" + surnames[rand.IntN(len(surnames))]
	if try > 0 {
		name += fmt.Sprint(rand.IntN(10))
	}
	return name
}
