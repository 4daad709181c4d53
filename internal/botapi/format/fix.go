package format

import (
	"math"
	"slices"
)

// entityTypes lists the types an entity may have. The order gives each its
// bit in typeBit, on which the masks below depend. TDLib sorts them into
// kinds when it fixes a message: formatting ("splittable") may be cut into
// pieces and merged; code and pre hold nothing; links, mentions and custom
// emoji ("continuous") hold only formatting; block quotes hold anything but
// another quote.
var entityTypes = []string{
	"bold", "italic", "underline", "strikethrough", "spoiler", // splittable
	"blockquote", "expandable_blockquote",
	"code", "pre",
	"text_link", "text_mention", "custom_emoji", // continuous, as are the rest
	"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bank_card_number",
}

const (
	splittableMask = 1<<5 - 1
	blockquoteMask = 1<<5 | 1<<6
	preMask        = 1<<7 | 1<<8
	continuousMask = ^uint32(0) &^ (splittableMask | blockquoteMask | preMask)
)

var (
	splittableTypes = entityTypes[:5]
	typeBit         = map[string]uint32{}

	// priority orders entities that cover the same text: the outer first.
	// The types Telegram finds by itself have 50.
	priority = map[string]int{
		"blockquote": 0, "expandable_blockquote": 0, "pre": 11, "code": 20,
		"text_link": 49, "text_mention": 49,
		"bold": 90, "italic": 91, "underline": 92, "strikethrough": 93, "spoiler": 94,
		"custom_emoji": 99,
	}
)

func init() {
	for i, t := range entityTypes {
		typeBit[t] = 1 << i
	}
}

func isSplittable(t string) bool { return typeBit[t]&splittableMask != 0 }
func isBlockquote(t string) bool { return typeBit[t]&blockquoteMask != 0 }
func isPre(t string) bool        { return typeBit[t]&preMask != 0 }

func end(e Entity) int { return e.Offset + e.Length }

func rank(e Entity) int {
	if e.Type == "pre" && e.Language != "" {
		return 10 // a pre with a language sorts before a pre without
	}
	if p, ok := priority[e.Type]; ok {
		return p
	}
	return 50
}

// sortEntities orders entities as Telegram does: by offset, then the longer
// first, then by kind, so that an entity comes before those inside it.
func sortEntities(es []Entity) {
	slices.SortStableFunc(es, func(a, b Entity) int {
		if a.Offset != b.Offset {
			return a.Offset - b.Offset
		}
		if a.Length != b.Length {
			return b.Length - a.Length
		}
		return rank(a) - rank(b)
	})
}

// fixEntities is TDLib's fix_entities: it drops empty entities and makes
// the rest nest the way clients can draw them, keeping the outer one when
// two cannot both stay.
func fixEntities(es []Entity) []Entity {
	es = slices.DeleteFunc(es, func(e Entity) bool { return e.Length <= 0 })
	sortEntities(es)
	if valid(es) {
		return es
	}
	var splittable, quotes, others []Entity
	for _, e := range es {
		switch {
		case isSplittable(e.Type):
			splittable = append(splittable, e)
		case isBlockquote(e.Type):
			quotes = append(quotes, e)
		default:
			others = append(others, e)
		}
	}
	others = removeIntersecting(others)
	if len(quotes) > 0 {
		quotes = removeIntersecting(quotes)
		others = removeCrossingQuotes(others, quotes)
		others = append(others, quotes...)
		sortEntities(others)
	}
	if len(splittable) > 0 {
		others = append(others, split(splittable, others)...)
		sortEntities(others)
	}
	return others
}

// valid is TDLib's are_entities_valid: whether sorted entities already nest
// as they must, so that fixEntities can leave them alone.
func valid(es []Entity) bool {
	var ends [5]int
	for i := range ends {
		ends[i] = -1
	}
	var stack []Entity
	var mask uint32 // the types in stack
	for _, e := range es {
		for len(stack) > 0 && e.Offset >= end(stack[len(stack)-1]) {
			mask &^= typeBit[stack[len(stack)-1].Type]
			stack = stack[:len(stack)-1]
		}
		bit := typeBit[e.Type]
		if len(stack) > 0 {
			parent := stack[len(stack)-1]
			switch {
			case end(e) > end(parent): // overlaps its parent
				return false
			case mask&bit != 0: // inside one of its own type
				return false
			case isPre(parent.Type): // nothing goes inside code or pre
				return false
			case bit&preMask != 0 && mask&^blockquoteMask != 0: // code and pre go only in quotes
				return false
			case bit&(continuousMask|blockquoteMask) != 0 && mask&continuousMask != 0:
				return false // a link or a quote inside a link
			case bit&blockquoteMask != 0 && mask&blockquoteMask != 0:
				return false
			case mask&splittableMask != 0: // formatting around it may need splitting
				return false
			}
		}
		if bit&splittableMask != 0 {
			i := slices.Index(splittableTypes, e.Type)
			if ends[i] >= e.Offset { // touches one of its type: they should merge
				return false
			}
			ends[i] = end(e)
		}
		stack = append(stack, e)
		mask |= bit
	}
	return true
}

// removeIntersecting keeps, of sorted entities, only those that begin after
// every kept one ends: the outer of two nested, the first of two crossing.
func removeIntersecting(es []Entity) []Entity {
	kept := es[:0]
	last := 0
	for _, e := range es {
		if e.Offset >= last {
			kept = append(kept, e)
			last = end(e)
		}
	}
	return kept
}

// removeCrossingQuotes drops the entities that reach out of a block quote
// they overlap; both lists are sorted and free of overlaps.
func removeCrossingQuotes(es, quotes []Entity) []Entity {
	kept := es[:0]
	q := 0
	for _, e := range es {
		for q < len(quotes) && end(quotes[q]) <= e.Offset {
			q++
		}
		if q < len(quotes) && (end(quotes[q]) < end(e) || e.Offset < quotes[q].Offset && quotes[q].Offset < end(e)) {
			continue
		}
		kept = append(kept, e)
	}
	return kept
}

// split is TDLib's split_entities: it merges the formatting entities of a
// type that overlap or touch, cuts them where another formatting entity or
// a link, code or quote begins or ends, and drops what lies inside code or
// pre. others must be sorted and nest without crossing.
func split(es, others []Entity) []Entity {
	var (
		begins, ends [5]int // the merged piece of each type not yet written; ends 0 if none
		result       []Entity
		next         int // the first of es not yet merged
	)
	flush := func(offset int) {
		for i, t := range splittableTypes {
			if ends[i] == 0 || begins[i] >= offset {
				continue
			}
			if ends[i] <= offset {
				result = append(result, Entity{Type: t, Offset: begins[i], Length: ends[i] - begins[i]})
				begins[i], ends[i] = 0, 0
			} else {
				result = append(result, Entity{Type: t, Offset: begins[i], Length: offset - begins[i]})
				begins[i] = offset
			}
		}
	}
	upTo := func(offset int) {
		for ; next < len(es) && es[next].Offset < offset; next++ {
			e := es[next]
			i := slices.Index(splittableTypes, e.Type)
			if ends[i] != 0 && e.Offset <= ends[i] {
				ends[i] = max(ends[i], end(e))
				continue
			}
			flush(e.Offset)
			begins[i], ends[i] = e.Offset, end(e)
		}
		flush(offset)
	}
	var stack []Entity
	reach := func(offset int) {
		for len(stack) > 0 && offset >= end(stack[len(stack)-1]) {
			closing := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			written := len(result)
			upTo(end(closing))
			if isPre(closing.Type) {
				result = result[:written]
			}
		}
		upTo(offset)
	}
	for _, o := range others {
		reach(o.Offset)
		stack = append(stack, o)
	}
	reach(math.MaxInt)
	sortEntities(result)
	return result
}
