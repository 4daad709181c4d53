// Package corpus generates a large, deterministic message corpus for
// benchmarking message search: a million messages of mixed Persian and
// English chat text over a few thousand chats, written the way people
// really type (Arabic ي and ك from Arabic keyboards, the zero-width
// non-joiner kept, dropped or typed as a space, Persian, Arabic-Indic or
// Latin digits), with one user, the searcher, who is a member of a quarter
// of the chats. It also loads a corpus into a domain.Store through the
// store's own write path and runs the search benchmarks over it.
//
// Everything is derived from fixed seeds: the same Version always gives
// the same users, chats and message texts (the order in which concurrent
// appends commit, and so the messages' positions, may differ from load to
// load).
package corpus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/chapar/chapar/internal/domain"
)

// Version names the corpus: bump it whenever what New generates changes,
// so that cached copies of an older corpus are not reused.
const Version = "v1"

// Million is the size of the benchmark corpus.
const Million = 1_000_000

const (
	seed = 0x5eed_c4a9a7 // for everything derived once
	// numUsers, numChats: users and chats of the corpus. Chats are groups,
	// but for the last numChannels, of which the first numPublic have a
	// username (public channels).
	numUsers    = 20_000
	numChats    = 2_000
	numChannels = 200
	numPublic   = 150
	// The searcher is a member of searcherGroups groups and
	// searcherChannels channels (half of them public).
	searcherGroups   = 450
	searcherChannels = 50
)

// Searcher is the user index of the searching user.
const Searcher = 0

// Chat is one chat of the corpus. Users are user indices (0 to Users-1).
type Chat struct {
	Type     domain.ChatType
	Title    string // unique
	Username string // public channels only
	Owner    int
	Members  []int // besides the owner
	weight   float64
}

// Corpus is a generated corpus: its users and chats are fixed when it is
// made, its messages are computed on demand (Message).
type Corpus struct {
	Messages int
	Users    int
	Chats    []Chat
	chatCum  []float64
	fa, en   *vocabulary
	styles   []style
}

// style is how a user types.
type style struct {
	arabic  bool    // an Arabic keyboard: ي and ك for ی and ک
	zwnj    int     // the non-joiner: 0 typed, 1 left out, 2 typed as a space
	digits  int     // 0 Persian, 1 Latin, 2 Arabic-Indic
	english float64 // how many of their messages are in English
}

// New makes a corpus of n messages.
func New(n int) *Corpus {
	r := rand.New(rand.NewPCG(seed, 1))
	c := &Corpus{Messages: n, Users: numUsers}
	c.fa = persianVocabulary(r)
	c.en = englishVocabulary(r)
	c.styles = make([]style, numUsers)
	for i := range c.styles {
		st := style{arabic: r.Float64() < 0.15, english: []float64{0.03, 0.15, 0.5}[pickIndex(r, 0.6, 0.3, 0.1)]}
		st.zwnj = pickIndex(r, 0.55, 0.35, 0.10)
		st.digits = pickIndex(r, 0.50, 0.42, 0.08)
		c.styles[i] = st
	}
	// Chat activity falls with a random rank, Zipf-like: the busiest chat
	// has about 2% of the messages, the quietest about a hundred.
	ranks := r.Perm(numChats)
	c.Chats = make([]Chat, numChats)
	for i := range c.Chats {
		ch := &c.Chats[i]
		ch.weight = 1 / math.Pow(float64(ranks[i])+6, 0.9)
		ch.Owner = 1 + r.IntN(numUsers-1) // never the searcher
		var size int
		if i < numChats-numChannels {
			ch.Type = domain.ChatGroup
			size = min(500, 2+int(math.Exp(2.3+r.NormFloat64())))
		} else {
			ch.Type = domain.ChatChannel
			size = min(3000, 20+int(math.Exp(5+r.NormFloat64())))
			if i-(numChats-numChannels) < numPublic {
				ch.Username = fmt.Sprintf("s1m_channel_%d", i)
			}
		}
		ch.Title = fmt.Sprintf("%s %s #%d", c.fa.pick(r), c.fa.pick(r), i)
		in := map[int]bool{ch.Owner: true}
		for len(ch.Members) < size {
			u := 1 + r.IntN(numUsers-1)
			if !in[u] {
				in[u] = true
				ch.Members = append(ch.Members, u)
			}
		}
	}
	// The searcher joins random groups and channels (half public, half
	// not).
	groups := r.Perm(numChats - numChannels)[:searcherGroups]
	public := r.Perm(numPublic)[:searcherChannels/2]
	private := r.Perm(numChannels - numPublic)[:searcherChannels-searcherChannels/2]
	var mine []int
	mine = append(mine, groups...)
	for _, p := range public {
		mine = append(mine, numChats-numChannels+p)
	}
	for _, p := range private {
		mine = append(mine, numChats-numChannels+numPublic+p)
	}
	for _, i := range mine {
		c.Chats[i].Members = append(c.Chats[i].Members, Searcher)
	}
	c.chatCum = make([]float64, numChats)
	sum := 0.0
	for i, ch := range c.Chats {
		sum += ch.weight
		c.chatCum[i] = sum
	}
	return c
}

// Username is user i's username.
func Username(i int) string {
	if i == Searcher {
		return "s1m_searcher"
	}
	return fmt.Sprintf("s1m_u%05d", i)
}

// DisplayName is user i's display name.
func (c *Corpus) DisplayName(i int) string {
	r := rand.New(rand.NewPCG(seed, 2<<32|uint64(i)))
	return persianNames[r.IntN(len(persianNames)/2)] + " " + persianNames[len(persianNames)/2+r.IntN(len(persianNames)/2)]
}

// Message is message i (0 to Messages-1): the chat it goes to, its
// sender, its client id and its text.
type Message struct {
	Chat     int
	Sender   int
	ClientID string
	Text     string
}

// Message computes message i.
func (c *Corpus) Message(i int) Message {
	r := rand.New(rand.NewPCG(seed, 3<<32|uint64(i)))
	x := r.Float64() * c.chatCum[len(c.chatCum)-1]
	chat := search(c.chatCum, x)
	ch := &c.Chats[chat]
	sender := ch.Owner // a channel's owner posts
	n := 0
	if ch.Type == domain.ChatGroup {
		if k := r.IntN(len(ch.Members) + 1); k < len(ch.Members) {
			sender = ch.Members[k]
		}
		n = max(1, min(60, int(math.Exp(1.5+0.8*r.NormFloat64()))))
	} else {
		n = max(3, min(150, int(math.Exp(2.9+0.6*r.NormFloat64()))))
	}
	return Message{Chat: chat, Sender: sender, ClientID: fmt.Sprintf("s1m-%d", i), Text: c.text(r, c.styles[sender], n)}
}

// text writes n words the way st types: Persian, English or mixed.
func (c *Corpus) text(r *rand.Rand, st style, n int) string {
	var b strings.Builder
	english := r.Float64() < st.english
	mixed := !english && r.Float64() < 0.12
	for w := 0; w < n; w++ {
		if w > 0 {
			b.WriteByte(' ')
		}
		if r.Float64() < 0.03 {
			b.WriteString(number(r, st))
			continue
		}
		if english || (mixed && r.Float64() < 0.2) {
			word := c.en.pick(r)
			if w == 0 && r.Float64() < 0.6 {
				word = strings.ToUpper(word[:1]) + word[1:]
			}
			b.WriteString(word)
		} else {
			b.WriteString(persian(c.fa.pick(r), st))
		}
		if w < n-1 && r.Float64() < 0.05 {
			if english {
				b.WriteByte(',')
			} else {
				b.WriteString("،")
			}
		}
	}
	switch x := r.Float64(); {
	case x < 0.15:
		b.WriteString(".")
	case x < 0.20:
		b.WriteString("!")
	case x < 0.28:
		if english {
			b.WriteString("?")
		} else {
			b.WriteString("؟")
		}
	case x < 0.38:
		b.WriteString(" " + []string{"😂", "🙏", "❤️", "👍", "🌹", "😊"}[r.IntN(6)])
	}
	return b.String()
}

var arabicKeyboard = strings.NewReplacer("ی", "ي", "ک", "ك")

// persian types a canonical Persian word in st's style.
func persian(w string, st style) string {
	if st.arabic {
		w = arabicKeyboard.Replace(w)
	}
	switch st.zwnj {
	case 1:
		w = strings.ReplaceAll(w, zwnj, "")
	case 2:
		w = strings.ReplaceAll(w, zwnj, " ")
	}
	return w
}

// number writes a year, a time, a price or a percentage in st's digits.
func number(r *rand.Rand, st style) string {
	var s string
	switch r.IntN(4) {
	case 0:
		if r.IntN(2) == 0 {
			s = fmt.Sprint(1390 + r.IntN(16))
		} else {
			s = fmt.Sprint(2012 + r.IntN(15))
		}
	case 1:
		s = fmt.Sprintf("%d:%02d", r.IntN(24), 5*r.IntN(12))
	case 2:
		s = fmt.Sprint((1 + r.IntN(999)) * []int{1, 1000, 10000}[r.IntN(3)])
	default:
		s = fmt.Sprintf("%d%%", r.IntN(100))
	}
	zero := []rune{'0', '۰', '٠'}[[]int{1, 0, 2}[st.digits]]
	return strings.Map(func(d rune) rune {
		if d >= '0' && d <= '9' {
			return zero + d - '0'
		}
		return d
	}, s)
}

func pickIndex(r *rand.Rand, p ...float64) int {
	x := r.Float64()
	for i, q := range p {
		if x < q {
			return i
		}
		x -= q
	}
	return len(p) - 1
}

// BusiestGroupOf is the index of the group of user u that gets the most
// messages.
func (c *Corpus) BusiestGroupOf(u int) int {
	best := -1
	for i, ch := range c.Chats {
		if ch.Type != domain.ChatGroup || (ch.Owner != u && !slices.Contains(ch.Members, u)) {
			continue
		}
		if best < 0 || ch.weight > c.Chats[best].weight {
			best = i
		}
	}
	return best
}
