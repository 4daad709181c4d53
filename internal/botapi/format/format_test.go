package format

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A parse case gives the input, and either the text and entities it parses
// to or the error. Entities are written "type offset length [argument]", the
// argument being a text_link's URL, "user=N", "lang=L" or "emoji=N".
// Most cases come from TDLib's test/message_entities.cpp; the others show
// what Telegram's fixing of entities does to nested markup.
type parseCase struct {
	in       string
	text     string
	entities []string
	err      string
}

// rawHTMLCases are checked against the parser alone, as TDLib checks it.
var rawHTMLCases = []parseCase{
	{in: "", text: ""},
	{in: "➡️ ➡️", text: "➡️ ➡️"},
	{in: "&ge;&lt;&gt;&amp;&quot;&laquo;&raquo;&#12345678;", text: "&ge;<>&\"&laquo;&raquo;&#12345678;"},
	{in: "&Or;", text: "&Or;"},
	{in: "&#x1F600; &#128512;&#x41", text: "😀 😀A"},
	{in: "➡️ ➡️<i>➡️ ➡️</i>", text: "➡️ ➡️➡️ ➡️", entities: []string{"italic 5 5"}},
	{in: "➡️ ➡️<em>➡️ ➡️</em>", text: "➡️ ➡️➡️ ➡️", entities: []string{"italic 5 5"}},
	{in: "➡️ ➡️<b>➡️ ➡️</b>", text: "➡️ ➡️➡️ ➡️", entities: []string{"bold 5 5"}},
	{in: "➡️ ➡️<strong>➡️ ➡️</strong>", text: "➡️ ➡️➡️ ➡️", entities: []string{"bold 5 5"}},
	{in: "➡️ ➡️<u>➡️ ➡️</u>", text: "➡️ ➡️➡️ ➡️", entities: []string{"underline 5 5"}},
	{in: "➡️ ➡️<ins>➡️ ➡️</ins>", text: "➡️ ➡️➡️ ➡️", entities: []string{"underline 5 5"}},
	{in: "➡️ ➡️<s>➡️ ➡️</s>", text: "➡️ ➡️➡️ ➡️", entities: []string{"strikethrough 5 5"}},
	{in: "➡️ ➡️<strike>➡️ ➡️</strike>", text: "➡️ ➡️➡️ ➡️", entities: []string{"strikethrough 5 5"}},
	{in: "➡️ ➡️<del>➡️ ➡️</del>", text: "➡️ ➡️➡️ ➡️", entities: []string{"strikethrough 5 5"}},
	{in: "➡️ ➡️<blockquote>➡️ ➡️</blockquote>", text: "➡️ ➡️➡️ ➡️", entities: []string{"blockquote 5 5"}},
	{in: "➡️ ➡️<i>➡️ ➡️</i><b>➡️ ➡️</b>", text: "➡️ ➡️➡️ ➡️➡️ ➡️", entities: []string{"italic 5 5", "bold 10 5"}},
	{in: "🏟 🏟<i>🏟 &lt🏟</i>", text: "🏟 🏟🏟 <🏟", entities: []string{"italic 5 6"}},
	{in: "🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>", text: "🏟 🏟🏟 ><🏟", entities: []string{"italic 5 7", "bold 9 3"}},
	{in: "🏟 🏟&lt;<i    aba  =  190azAz-.   >a</i>", text: "🏟 🏟<a", entities: []string{"italic 6 1"}},
	{in: "🏟 🏟&lt;<i    aba  =  190azAz-.>a</i>", text: "🏟 🏟<a", entities: []string{"italic 6 1"}},
	{in: "🏟 🏟&lt;<i    aba  =  \"&lt;&gt;&quot;\">a</i>", text: "🏟 🏟<a", entities: []string{"italic 6 1"}},
	{in: "🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;'>a</i>", text: "🏟 🏟<a", entities: []string{"italic 6 1"}},
	{in: "🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;'>a</>", text: "🏟 🏟<a", entities: []string{"italic 6 1"}},
	{in: "🏟 🏟&lt;<i>🏟 🏟&lt;</>", text: "🏟 🏟<🏟 🏟<", entities: []string{"italic 6 6"}},
	{in: "🏟 🏟&lt;<i>a</    >", text: "🏟 🏟<a", entities: []string{"italic 6 1"}},
	{in: "🏟 🏟&lt;<i>a</i   >", text: "🏟 🏟<a", entities: []string{"italic 6 1"}},
	{in: "🏟 🏟&lt;<b></b>", text: "🏟 🏟<"},
	{in: "<I>x</i>", text: "x", entities: []string{"italic 0 1"}},
	{in: "<i>\t</i>", text: "\t", entities: []string{"italic 0 1"}},
	{in: "<i>\r</i>", text: "\r", entities: []string{"italic 0 1"}},
	{in: "<i>\n</i>", text: "\n", entities: []string{"italic 0 1"}},
	{in: "➡️ ➡️<span class = \"tg-spoiler\">➡️ ➡️</span><b>➡️ ➡️</b>", text: "➡️ ➡️➡️ ➡️➡️ ➡️", entities: []string{"spoiler 5 5", "bold 10 5"}},
	{in: "🏟 🏟<span class=\"tg-spoiler\">🏟 &lt🏟</span>", text: "🏟 🏟🏟 <🏟", entities: []string{"spoiler 5 6"}},
	{in: "🏟 🏟<span class=\"tg-spoiler\">🏟 &gt;<b aba   =   caba>&lt🏟</b></span>", text: "🏟 🏟🏟 ><🏟", entities: []string{"spoiler 5 7", "bold 9 3"}},
	{in: "➡️ ➡️<tg-spoiler>➡️ ➡️</tg-spoiler><b>➡️ ➡️</b>", text: "➡️ ➡️➡️ ➡️➡️ ➡️", entities: []string{"spoiler 5 5", "bold 10 5"}},
	{in: "🏟 🏟<tg-spoiler>🏟 &lt🏟</tg-spoiler>", text: "🏟 🏟🏟 <🏟", entities: []string{"spoiler 5 6"}},
	{in: "<a href=telegram.org>\t</a>", text: "\t", entities: []string{"text_link 0 1 http://telegram.org/"}},
	{in: "<a href=telegram.org>\r</a>", text: "\r", entities: []string{"text_link 0 1 http://telegram.org/"}},
	{in: "<a href=telegram.org>\n</a>", text: "\n", entities: []string{"text_link 0 1 http://telegram.org/"}},
	{in: "<code><i><b> </b></i></code><i><b><code> </code></b></i>", text: "  ", entities: []string{
		"code 0 1", "bold 0 1", "italic 0 1", "code 1 1", "bold 1 1", "italic 1 1"}},
	{in: "<i><b> </b> <code> </code></i>", text: "   ", entities: []string{"italic 0 3", "bold 0 1", "code 2 1"}},
	{in: "<a href=telegram.org> </a>", text: " ", entities: []string{"text_link 0 1 http://telegram.org/"}},
	{in: "<a href  =\"telegram.org\"   > </a>", text: " ", entities: []string{"text_link 0 1 http://telegram.org/"}},
	{in: "<a   href=  'telegram.org'   > </a>", text: " ", entities: []string{"text_link 0 1 http://telegram.org/"}},
	{in: "<a   href=  'telegram.org?&lt;'   > </a>", text: " ", entities: []string{"text_link 0 1 http://telegram.org/?<"}},
	{in: "<a> </a>", text: " "},
	{in: "<a>telegram.org </a>", text: "telegram.org "},
	{in: "<a>telegram.org</a>", text: "telegram.org", entities: []string{"text_link 0 12 http://telegram.org/"}},
	{in: "<a>https://telegram.org/asdsa?asdasdwe#12e3we</a>", text: "https://telegram.org/asdsa?asdasdwe#12e3we",
		entities: []string{"text_link 0 42 https://telegram.org/asdsa?asdasdwe#12e3we"}},
	{in: `<a href="tg://user?id=123">Sara</a>`, text: "Sara", entities: []string{"text_mention 0 4 user=123"}},
	{in: `<a href="TG:USER?ID=123&x=1">Sara</a>`, text: "Sara", entities: []string{"text_mention 0 4 user=123"}},
	{in: `<a href="javascript:alert(1)">x</a>`, text: "x"},
	{in: "🏟 🏟&lt;<pre  >🏟 🏟&lt;</>", text: "🏟 🏟<🏟 🏟<", entities: []string{"pre 6 6"}},
	{in: "🏟 🏟&lt;<code >🏟 🏟&lt;</>", text: "🏟 🏟<🏟 🏟<", entities: []string{"code 6 6"}},
	{in: "🏟 🏟&lt;<pre><code>🏟 🏟&lt;</code></>", text: "🏟 🏟<🏟 🏟<", entities: []string{"pre 6 6", "code 6 6"}},
	{in: "🏟 🏟&lt;<pre><code class=\"language-\">🏟 🏟&lt;</code></>", text: "🏟 🏟<🏟 🏟<", entities: []string{"pre 6 6", "code 6 6"}},
	{in: "🏟 🏟&lt;<pre><code class=\"language-fift\">🏟 🏟&lt;</></>", text: "🏟 🏟<🏟 🏟<", entities: []string{"pre 6 6 lang=fift"}},
	{in: "🏟 🏟&lt;<code class=\"language-fift\"><pre>🏟 🏟&lt;</></>", text: "🏟 🏟<🏟 🏟<", entities: []string{"pre 6 6 lang=fift"}},
	{in: "🏟 🏟&lt;<pre><code class=\"language-fift\">🏟 🏟&lt;</> </>", text: "🏟 🏟<🏟 🏟< ", entities: []string{"pre 6 7", "code 6 6"}},
	{in: "🏟 🏟&lt;<pre> <code class=\"language-fift\">🏟 🏟&lt;</></>", text: "🏟 🏟< 🏟 🏟<", entities: []string{"pre 6 7", "code 7 6"}},
	{in: "➡️ ➡️<tg-emoji emoji-id = \"12345\">➡️ ➡️</tg-emoji><b>➡️ ➡️</b>", text: "➡️ ➡️➡️ ➡️➡️ ➡️",
		entities: []string{"custom_emoji 5 5 emoji=12345", "bold 10 5"}},
	{in: "🏟 🏟<tg-emoji emoji-id=\"54321\">🏟 &lt🏟</tg-emoji>", text: "🏟 🏟🏟 <🏟", entities: []string{"custom_emoji 5 6 emoji=54321"}},
	{in: "🏟 🏟<b aba   =   caba><tg-emoji emoji-id=\"1\">🏟</tg-emoji>1</b>", text: "🏟 🏟🏟1",
		entities: []string{"bold 5 3", "custom_emoji 5 2 emoji=1"}},
	{in: "<blockquote   cite=\"\" askdlbas nasjdbaj nj12b3>a&lt;<pre  >b;</></>", text: "a<b;", entities: []string{"blockquote 0 4", "pre 2 2"}},
	{in: "<blockquote   expandable>a&lt;<pre  >b;</></>", text: "a<b;", entities: []string{"expandable_blockquote 0 4", "pre 2 2"}},
	{in: "<blockquote   expandable   asd>a&lt;<pre  >b;</></>", text: "a<b;", entities: []string{"expandable_blockquote 0 4", "pre 2 2"}},
	{in: "<blockquote   expandable=false>a&lt;<pre  >b;</></>", text: "a<b;", entities: []string{"expandable_blockquote 0 4", "pre 2 2"}},

	{in: "&#57311;", err: surrogateError},
	{in: "&#xDFDF;", err: surrogateError},
	{in: "&#xDFDF", err: surrogateError},
	{in: "🏟 🏟&lt;<abacaba", err: "Unclosed start tag at byte offset 13"},
	{in: "🏟 🏟&lt;<abac aba>", err: `Unsupported start tag "abac" at byte offset 13`},
	{in: "🏟 🏟&lt;<abac>", err: `Unsupported start tag "abac" at byte offset 13`},
	{in: "🏟 🏟&lt;<i   =aba>", err: `Empty attribute name in the tag "i" at byte offset 13`},
	{in: "🏟 🏟&lt;<i    aba>", err: `Can't find end tag corresponding to start tag "i"`},
	{in: "🏟 🏟&lt;<i    aba  =  ", err: `Unclosed start tag "i" at byte offset 13`},
	{in: "🏟 🏟&lt;<i    aba  =  190azAz-.,", err: "Unexpected end of name token at byte offset 27"},
	{in: "🏟 🏟&lt;<i    aba  =  \"&lt;&gt;&quot;>", err: "Unclosed start tag at byte offset 13"},
	{in: "🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;>", err: "Unclosed start tag at byte offset 13"},
	{in: "🏟 🏟&lt;</", err: "Unexpected end tag at byte offset 13"},
	{in: "🏟 🏟&lt;<b></b></", err: "Unexpected end tag at byte offset 20"},
	{in: "🏟 🏟&lt;<i>a</i   ", err: "Unclosed end tag at byte offset 17"},
	{in: "🏟 🏟&lt;<i>a</em   >", err: `Unmatched end tag at byte offset 17, expected "</i>", found "</em>"`},
	// As the Bot API answered them.
	{in: "<script>alert(1)</script>", err: `Unsupported start tag "script" at byte offset 0`},
	{in: "<invalid>test</invalid>", err: `Unsupported start tag "invalid" at byte offset 0`},
	{in: "<b><i>test</b></i>", err: `Unmatched end tag at byte offset 10, expected "</i>", found "</b>"`},
	{in: "<b>unclosed", err: `Can't find end tag corresponding to start tag "b"`},
	{in: "1 < 2", err: `Unsupported start tag "" at byte offset 2`},
	{in: "<br/>", err: `Unsupported start tag "br/" at byte offset 0`},
	{in: `<span class="x">a</span>`, err: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
	{in: `<tg-emoji emoji-id="x1">👍</tg-emoji>`, err: "Invalid custom emoji identifier specified"},
	{in: `<tg-emoji emoji-id="0">👍</tg-emoji>`, err: "Invalid custom emoji identifier specified"},
}

const surrogateError = "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"

// rawMarkdownV2Cases are checked against the parser alone, as TDLib checks it.
var rawMarkdownV2Cases = []parseCase{
	{in: "", text: ""},
	{in: `\\`, text: `\`},
	{in: `\\\`, text: `\\`},
	{in: "\\\\\\\\\\_\\*\\`", text: "\\\\_*`"},
	{in: "➡️ ➡️", text: "➡️ ➡️"},
	{in: "🏟 🏟``", text: "🏟 🏟"},
	{in: `🏟 🏟_abac \* asd _`, text: "🏟 🏟abac * asd ", entities: []string{"italic 5 11"}},
	{in: `🏟 \.🏟_🏟\. 🏟_`, text: "🏟 .🏟🏟. 🏟", entities: []string{"italic 6 6"}},
	{in: `\\\a\b\c\d\e\f\1\2\3\4\➡️\`, text: `\abcdef1234\➡️\`},
	{in: "➡️ ➡️_➡️ ➡️_", text: "➡️ ➡️➡️ ➡️", entities: []string{"italic 5 5"}},
	{in: "➡️ ➡️_➡️ ➡️_*➡️ ➡️*", text: "➡️ ➡️➡️ ➡️➡️ ➡️", entities: []string{"italic 5 5", "bold 10 5"}},
	{in: `🏟 🏟_🏟 \.🏟_`, text: "🏟 🏟🏟 .🏟", entities: []string{"italic 5 6"}},
	{in: "🏟 🏟_🏟 *🏟*_", text: "🏟 🏟🏟 🏟", entities: []string{"italic 5 5", "bold 8 2"}},
	{in: "🏟 🏟_🏟 __🏟___", text: "🏟 🏟🏟 🏟", entities: []string{"italic 5 5", "underline 8 2"}},
	{in: "🏟 🏟__🏟 _🏟_ __", text: "🏟 🏟🏟 🏟 ", entities: []string{"underline 5 6", "italic 8 2"}},
	{in: `🏟 🏟__🏟 _🏟_\___`, text: "🏟 🏟🏟 🏟_", entities: []string{"underline 5 6", "italic 8 2"}},
	{in: "🏟 🏟`🏟 🏟```", text: "🏟 🏟🏟 🏟", entities: []string{"code 5 5"}},
	{in: "🏟 🏟```🏟 🏟```", text: "🏟 🏟 🏟", entities: []string{"pre 5 3 lang=🏟"}},
	{in: "🏟 🏟```🏟\n🏟```", text: "🏟 🏟🏟", entities: []string{"pre 5 2 lang=🏟"}},
	{in: "🏟 🏟```🏟\r🏟```", text: "🏟 🏟🏟", entities: []string{"pre 5 2 lang=🏟"}},
	{in: "🏟 🏟```🏟\n\r🏟```", text: "🏟 🏟🏟", entities: []string{"pre 5 2 lang=🏟"}},
	{in: "🏟 🏟```🏟\r\n🏟```", text: "🏟 🏟🏟", entities: []string{"pre 5 2 lang=🏟"}},
	{in: "🏟 🏟```🏟\n\n🏟```", text: "🏟 🏟\n🏟", entities: []string{"pre 5 3 lang=🏟"}},
	{in: "🏟 🏟```🏟\r\r🏟```", text: "🏟 🏟\r🏟", entities: []string{"pre 5 3 lang=🏟"}},
	{in: "🏟 🏟```🏟 \\\\\\`🏟```", text: "🏟 🏟 \\`🏟", entities: []string{"pre 5 5 lang=🏟"}},
	{in: "🏟 🏟**", text: "🏟 🏟"},
	{in: "||test||", text: "test", entities: []string{"spoiler 0 4"}},
	{in: "🏟 🏟``````", text: "🏟 🏟"},
	{in: "🏟 🏟____", text: "🏟 🏟"},
	{in: "`_* *_`__*` `*__", text: "_* *_ ", entities: []string{"code 0 5", "code 5 1", "bold 5 1", "underline 5 1"}},
	{in: "_* * ` `_", text: "   ", entities: []string{"italic 0 3", "bold 0 1", "code 2 1"}},
	{in: "[](telegram.org)", text: ""},
	{in: "[ ](telegram.org)", text: " ", entities: []string{"text_link 0 1 http://telegram.org/"}},
	{in: "[ ](as)", text: " "},
	{in: `[telegram\.org]`, text: "telegram.org", entities: []string{"text_link 0 12 http://telegram.org/"}},
	{in: `[telegram\.org]a`, text: "telegram.orga", entities: []string{"text_link 0 12 http://telegram.org/"}},
	{in: `[telegram\.org](telegram.dog)`, text: "telegram.org", entities: []string{"text_link 0 12 http://telegram.dog/"}},
	{in: `[telegram\.org](https://telegram.dog?)`, text: "telegram.org", entities: []string{"text_link 0 12 https://telegram.dog/?"}},
	{in: `[telegram\.org](https://telegram.dog?\\\()`, text: "telegram.org", entities: []string{`text_link 0 12 https://telegram.dog/?\(`}},
	{in: `[telegram\.org]()`, text: "telegram.org"},
	{in: `[telegram\.org](asdasd)`, text: "telegram.org"},
	{in: `[telegram\.org](tg:user?id=123456)`, text: "telegram.org", entities: []string{"text_mention 0 12 user=123456"}},
	{in: "🏟 🏟![👍](TG://EMoJI/?test=1231&id=25#id=32)a", text: "🏟 🏟👍a", entities: []string{"custom_emoji 5 2 emoji=25"}},
	{in: "> \n> \n>", text: " \n \n", entities: []string{"blockquote 0 4"}},
	{in: "> \\>\n \\> \n>", text: " >\n > \n", entities: []string{"blockquote 0 3"}},
	{in: "abc\n> \n> \n>\ndef", text: "abc\n \n \n\ndef", entities: []string{"blockquote 4 5"}},
	{in: ">", text: ""},
	{in: ">a", text: "a", entities: []string{"blockquote 0 1"}},
	{in: "\r>a", text: "\ra", entities: []string{"blockquote 1 1"}},
	{in: "\r\r>\r\ra\r\n\r", text: "\r\r\r\ra\r\n\r", entities: []string{"blockquote 2 5"}},
	{in: ">*bold _italic bold ~italic bold strikethrough ||italic bold strikethrough spoiler||~ __underline italic bold___ bold*",
		text:     "bold italic bold italic bold strikethrough italic bold strikethrough spoiler underline italic bold bold",
		entities: []string{"blockquote 0 103", "bold 0 103", "italic 5 93", "strikethrough 17 59", "spoiler 43 33", "underline 77 21"}},
	{in: ">*b\n>ld \n>bo\n>ld*\nasd\ndef", text: "b\nld \nbo\nld\nasd\ndef", entities: []string{"blockquote 0 12", "bold 0 11"}},
	{in: "*a\n>b\n>ld \n>bo\n>ld\nasd*\ndef", text: "a\nb\nld \nbo\nld\nasd\ndef", entities: []string{"bold 0 17", "blockquote 2 12"}},
	{in: ">`b\n>ld \n>bo\nld`\n>asd\ndef", text: "b\n>ld \n>bo\nld\nasd\ndef", entities: []string{"blockquote 0 18", "code 0 13"}},
	{in: "`>b\n>ld \n>bo\nld`\n>asd\ndef", text: ">b\n>ld \n>bo\nld\nasd\ndef", entities: []string{"code 0 14", "blockquote 15 4"}},
	{in: ">1", text: "1", entities: []string{"blockquote 0 1"}},
	{in: ">\n1", text: "\n1", entities: []string{"blockquote 0 1"}},
	{in: ">\n\r>2", text: "\n\r2", entities: []string{"blockquote 0 1", "blockquote 2 1"}},
	{in: ">\n**>2", text: "\n2", entities: []string{"blockquote 0 1", "blockquote 1 1"}},
	{in: ">**\n>2", text: "\n2", entities: []string{"blockquote 0 2"}},
	{in: ">*abcd*", text: "abcd", entities: []string{"blockquote 0 4", "bold 0 4"}},
	{in: ">*abcd*\n", text: "abcd\n", entities: []string{"blockquote 0 5", "bold 0 4"}},
	{in: "*>abcd\n*", text: "abcd\n", entities: []string{"blockquote 0 5", "bold 0 5"}},
	{in: "abc\n>def\n>def\n\r>ghi2\njkl", text: "abc\ndef\ndef\n\rghi2\njkl", entities: []string{"blockquote 4 8", "blockquote 13 5"}},
	{in: ">asd\n>q||e||w||\nasdad", text: "asd\nqew\nasdad", entities: []string{"expandable_blockquote 0 8", "spoiler 5 1"}},
	{in: ">asd\n>q||ew||\nasdad", text: "asd\nqew\nasdad", entities: []string{"blockquote 0 8", "spoiler 5 2"}},
	{in: ">asd\r\n>q||e||w||\r\nasdad", text: "asd\r\nqew\r\nasdad", entities: []string{"expandable_blockquote 0 10", "spoiler 6 1"}},
	{in: ">asd\r\n>q||ew||\r\nasdad", text: "asd\r\nqew\r\nasdad", entities: []string{"blockquote 0 10", "spoiler 6 2"}},
	{in: ">asd\r\n>q||e||w||\r\n", text: "asd\r\nqew\r\n", entities: []string{"expandable_blockquote 0 10", "spoiler 6 1"}},
	{in: ">asd\r\n>q||ew||\r\n", text: "asd\r\nqew\r\n", entities: []string{"blockquote 0 10", "spoiler 6 2"}},
	{in: ">asd\r\n>q||e||w||", text: "asd\r\nqew", entities: []string{"expandable_blockquote 0 8", "spoiler 6 1"}},
	{in: ">asd\r\n>q||ew||", text: "asd\r\nqew", entities: []string{"blockquote 0 8", "spoiler 6 2"}},
	{in: ">||", text: ""},

	{in: "🏟 🏟_abacaba", err: "Can't find end of Italic entity at byte offset 9"},
	{in: "🏟 🏟_abac * asd ", err: "Can't find end of Bold entity at byte offset 15"},
	{in: "🏟 🏟_abac * asd _", err: "Can't find end of Italic entity at byte offset 21"},
	{in: "🏟 🏟`", err: "Can't find end of Code entity at byte offset 9"},
	{in: "🏟 🏟```", err: "Can't find end of Pre entity at byte offset 9"},
	{in: "🏟 🏟```a", err: "Can't find end of Pre entity at byte offset 9"},
	{in: "🏟 🏟```a ", err: "Can't find end of PreCode entity at byte offset 9"},
	{in: "🏟 🏟__🏟 🏟_", err: "Can't find end of Italic entity at byte offset 20"},
	{in: "🏟 🏟_🏟 🏟__", err: "Can't find end of Underline entity at byte offset 19"},
	{in: "🏟 🏟```🏟 🏟`", err: "Can't find end of Code entity at byte offset 21"},
	{in: "🏟 🏟```🏟 🏟_", err: "Can't find end of PreCode entity at byte offset 9"},
	{in: "🏟 🏟```🏟 🏟\\`", err: "Can't find end of PreCode entity at byte offset 9"},
	{in: `[telegram\.org](asd\)`, err: "Can't find end of a URL at byte offset 16"},
	{in: `[telegram\.org](`, err: "Can't find end of a URL at byte offset 16"},
	{in: `[telegram\.org](asd`, err: "Can't find end of a URL at byte offset 16"},
	{in: "🏟 🏟__🏟 _🏟___", err: "Can't find end of Italic entity at byte offset 23"},
	{in: "🏟 🏟__", err: "Can't find end of Underline entity at byte offset 9"},
	{in: `🏟 🏟||test\|`, err: "Can't find end of Spoiler entity at byte offset 9"},
	{in: "🏟 🏟!", err: `Character '!' is reserved and must be escaped with the preceding '\'`},
	{in: "🏟 🏟>", err: `Character '>' is reserved and must be escaped with the preceding '\'`},
	{in: "🏟 🏟![", err: "Can't find end of CustomEmoji entity at byte offset 9"},
	{in: "🏟 🏟![👍", err: "Can't find end of CustomEmoji entity at byte offset 9"},
	{in: "🏟 🏟![👍]", err: "Custom emoji entity must contain a tg://emoji URL"},
	{in: "🏟 🏟![👍](tg://emoji?id=1234", err: "Can't find end of a custom emoji URL at byte offset 17"},
	{in: "🏟 🏟![👍](t://emoji?id=1234)", err: "Custom emoji URL must have scheme tg"},
	{in: "🏟 🏟![👍](tg:emojis?id=1234)", err: `Custom emoji URL must have host "emoji"`},
	{in: "🏟 🏟![👍](tg://emoji#test)", err: "Custom emoji URL must have an emoji identifier"},
	{in: "🏟 🏟![👍](tg://emoji?test=1#&id=25)", err: "Custom emoji URL must have an emoji identifier"},
	{in: "🏟 🏟![👍](tg://emoji?test=1231&id=025)", err: "Invalid custom emoji identifier specified"},
	{in: ">*b\n>ld \n>bo\nld*\nasd\ndef", err: "Can't find end of Bold entity at byte offset 1"},
	{in: ">\n*a*>2", err: `Character '>' is reserved and must be escaped with the preceding '\'`},
	{in: ">asd\n>q||e||w||\n||asdad", err: "Can't find end of Spoiler entity at byte offset 16"},
	{in: ">asd\n>q||ew\n||asdad", err: "Can't find end of Spoiler entity at byte offset 7"},
	{in: ">asd\n>q||e||w__\n||asdad", err: "Can't find end of Underline entity at byte offset 13"},
	{in: ">asd\n>q||e||w||a\n||asdad", err: "Can't find end of Spoiler entity at byte offset 13"},
	// As the Bot API answered them.
	{in: "*unclosed", err: "Can't find end of Bold entity at byte offset 0"},
	{in: "hello.", err: `Character '.' is reserved and must be escaped with the preceding '\'`},
	{in: "a-b", err: `Character '-' is reserved and must be escaped with the preceding '\'`},
	{in: "hello!", err: `Character '!' is reserved and must be escaped with the preceding '\'`},
}

func TestParseHTMLLikeTDLib(t *testing.T) {
	checkRaw(t, parseHTML, rawHTMLCases)
}

func TestParseMarkdownV2LikeTDLib(t *testing.T) {
	checkRaw(t, parseMarkdownV2, rawMarkdownV2Cases)
}

// TestMarkdownV2Reserved is TDLib's loop over the ASCII characters: those
// that start no entity are reserved or plain, and escaping any works.
func TestMarkdownV2Reserved(t *testing.T) {
	for c := byte(1); c < 126; c++ {
		if strings.IndexByte("_*[~`>", c) >= 0 {
			continue
		}
		s := string(c)
		if strings.IndexByte("]()>#+-=|{}.!", c) >= 0 {
			want := fmt.Sprintf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
			checkRaw(t, parseMarkdownV2, []parseCase{{in: s, err: want}})
		} else {
			checkRaw(t, parseMarkdownV2, []parseCase{{in: s, text: s}})
		}
		checkRaw(t, parseMarkdownV2, []parseCase{{in: `\` + s, text: s}})
	}
}

func checkRaw(t *testing.T, parse func(string) (string, []Entity, error), cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		text, entities, err := parse(tc.in)
		if tc.err != "" {
			if want := "Bad Request: can't parse entities: " + tc.err; err == nil || err.Error() != want {
				t.Errorf("%q: got error %v, want %q", tc.in, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		sortEntities(entities)
		if got := show(entities); text != tc.text || !slices.Equal(got, tc.entities) {
			t.Errorf("%q:\n got %q %q\nwant %q %q", tc.in, text, got, tc.text, tc.entities)
		}
	}
}

// A mode case is checked through Parse: markup, then Telegram's fixing.
type modeCase struct {
	mode string
	parseCase
}

var parseCases = []modeCase{
	// The example in the Bot API's documentation of each mode.
	{"HTML", parseCase{
		in: `<b>bold</b>, <strong>bold</strong>
<i>italic</i>, <em>italic</em>
<u>underline</u>, <ins>underline</ins>
<s>strikethrough</s>, <strike>strikethrough</strike>, <del>strikethrough</del>
<span class="tg-spoiler">spoiler</span>, <tg-spoiler>spoiler</tg-spoiler>
<b>bold <i>italic bold <s>italic bold strikethrough <span class="tg-spoiler">italic bold strikethrough spoiler</span></s> <u>underline italic bold</u></i> bold</b>
<a href="http://www.example.com/">inline URL</a>
<a href="tg://user?id=123456789">inline mention of a user</a>
<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>
<code>inline fixed-width code</code>
<pre>pre-formatted fixed-width code block</pre>
<pre><code class="language-python">pre-formatted fixed-width code block written in the Python programming language</code></pre>
<blockquote>Block quotation started\nBlock quotation continued\nThe last line of the block quotation</blockquote>
<blockquote expandable>Expandable block quotation started\nExpandable block quotation continued\nExpandable block quotation continued\nHidden by default part of the block quotation started\nExpandable block quotation continued\nThe last line of the block quotation</blockquote>`,
		text: "bold, bold\nitalic, italic\nunderline, underline\nstrikethrough, strikethrough, strikethrough\nspoiler, spoiler\n" +
			"bold italic bold italic bold strikethrough italic bold strikethrough spoiler underline italic bold bold\n" +
			"inline URL\ninline mention of a user\n👍\ninline fixed-width code\npre-formatted fixed-width code block\n" +
			"pre-formatted fixed-width code block written in the Python programming language\n" +
			`Block quotation started\nBlock quotation continued\nThe last line of the block quotation` + "\n" +
			`Expandable block quotation started\nExpandable block quotation continued\nExpandable block quotation continued\n` +
			`Hidden by default part of the block quotation started\nExpandable block quotation continued\nThe last line of the block quotation`,
		entities: []string{
			"bold 0 4", "bold 6 4", "italic 11 6", "italic 19 6", "underline 26 9", "underline 37 9",
			"strikethrough 47 13", "strikethrough 62 13", "strikethrough 77 13", "spoiler 91 7", "spoiler 100 7",
			// Telegram cuts the outer formatting where the inner begins.
			"bold 108 5", "bold 113 12", "italic 113 12", "bold 125 26", "italic 125 26", "strikethrough 125 26",
			"bold 151 34", "italic 151 34", "strikethrough 151 33", "spoiler 151 33",
			"bold 185 26", "italic 185 21", "underline 185 21",
			"text_link 212 10 http://www.example.com/", "text_mention 223 24 user=123456789",
			"custom_emoji 248 2 emoji=5368324170671202286", "code 251 23", "pre 275 36",
			"pre 312 79 lang=python", "blockquote 392 88", "expandable_blockquote 481 241",
		},
	}},
	{"MarkdownV2", parseCase{
		in: "*bold \\*text*\n_italic \\*text_\n__underline__\n~strikethrough~\n||spoiler||\n" +
			"*bold _italic bold ~italic bold strikethrough ||italic bold strikethrough spoiler||~ __underline italic bold___ bold*\n" +
			"[inline URL](http://www.example.com/)\n[inline mention of a user](tg://user?id=123456789)\n" +
			"![👍](tg://emoji?id=5368324170671202286)\n`inline fixed-width code`\n```\npre-formatted fixed-width code block\n```\n" +
			"```python\npre-formatted fixed-width code block written in the Python programming language\n```\n" +
			">Block quotation started\n>Block quotation continued\n>Block quotation continued\n>Block quotation continued\n" +
			">The last line of the block quotation\n" +
			"**>The expandable block quotation started right after the previous block quotation\n" +
			">It is separated from the previous block quotation by an empty bold entity\n>Expandable block quotation continued\n" +
			">Hidden by default part of the expandable block quotation started\n>Expandable block quotation continued\n" +
			">The last line of the expandable block quotation with the expandability mark||",
		text: "bold *text\nitalic *text\nunderline\nstrikethrough\nspoiler\n" +
			"bold italic bold italic bold strikethrough italic bold strikethrough spoiler underline italic bold bold\n" +
			"inline URL\ninline mention of a user\n👍\ninline fixed-width code\npre-formatted fixed-width code block\n\n" +
			"pre-formatted fixed-width code block written in the Python programming language\n\n" +
			"Block quotation started\nBlock quotation continued\nBlock quotation continued\nBlock quotation continued\n" +
			"The last line of the block quotation\n" +
			"The expandable block quotation started right after the previous block quotation\n" +
			"It is separated from the previous block quotation by an empty bold entity\nExpandable block quotation continued\n" +
			"Hidden by default part of the expandable block quotation started\nExpandable block quotation continued\n" +
			"The last line of the expandable block quotation with the expandability mark",
		entities: []string{
			"bold 0 10", "italic 11 12", "underline 24 9", "strikethrough 34 13", "spoiler 48 7",
			"bold 56 5", "bold 61 12", "italic 61 12", "bold 73 26", "italic 73 26", "strikethrough 73 26",
			"bold 99 34", "italic 99 34", "strikethrough 99 33", "spoiler 99 33",
			"bold 133 26", "italic 133 21", "underline 133 21",
			"text_link 160 10 http://www.example.com/", "text_mention 171 24 user=123456789",
			"custom_emoji 196 2 emoji=5368324170671202286", "code 199 23", "pre 223 37",
			"pre 261 80 lang=python", "blockquote 342 139", "expandable_blockquote 481 368",
		},
	}},
	{"Markdown", parseCase{
		in: "*bold text*\n_italic text_\n[inline URL](http://www.example.com/)\n[inline mention of a user](tg://user?id=123456789)\n" +
			"`inline fixed-width code`\n```\npre-formatted fixed-width code block\n```\n" +
			"```python\npre-formatted fixed-width code block written in the Python programming language\n```",
		text: "bold text\nitalic text\ninline URL\ninline mention of a user\ninline fixed-width code\n" +
			"pre-formatted fixed-width code block\n\npre-formatted fixed-width code block written in the Python programming language\n",
		entities: []string{
			"bold 0 9", "italic 10 11", "text_link 22 10 http://www.example.com/", "text_mention 33 24 user=123456789",
			"code 58 23", "pre 82 37", "pre 120 80 lang=python",
		},
	}},

	// Telegram's own examples of the ambiguity of "___": underline is read first.
	{"MarkdownV2", parseCase{in: "___italic underline_\r__", text: "italic underline\r", entities: []string{"underline 0 17", "italic 0 16"}}},
	{"MarkdownV2", parseCase{in: "___italic underline_**__", text: "italic underline", entities: []string{"italic 0 16", "underline 0 16"}}},
	{"MarkdownV2", parseCase{in: "___italic underline___", err: "Can't find end of Italic entity at byte offset 21"}},

	// Nesting, fixed as Telegram fixes it.
	{"HTML", parseCase{in: "<b>a</b><b>b</b>", text: "ab", entities: []string{"bold 0 2"}}},
	{"HTML", parseCase{in: "<b>a<b>b</b>c</b>", text: "abc", entities: []string{"bold 0 3"}}},
	{"HTML", parseCase{in: "<b>a<i>b</i>c</b>", text: "abc", entities: []string{"bold 0 1", "bold 1 2", "italic 1 1"}}},
	{"HTML", parseCase{in: "<code><b>x</b></code>", text: "x", entities: []string{"code 0 1"}}},
	{"HTML", parseCase{in: "<pre>a<i>b</i>c</pre>", text: "abc", entities: []string{"pre 0 3"}}},
	{"HTML", parseCase{in: "<pre><code>x</code></pre>", text: "x", entities: []string{"pre 0 1"}}},
	{"HTML", parseCase{in: "<code><i><b> </b></i></code><i><b><code> </code></b></i>", text: "  ", entities: []string{"code 0 1", "code 1 1"}}},
	{"HTML", parseCase{in: "<i><b> </b> <code> </code></i>", text: "   ", entities: []string{"italic 0 2", "bold 0 1", "code 2 1"}}},
	{"HTML", parseCase{in: `<b>see <a href="https://t.me">this</a> now</b>`, text: "see this now",
		entities: []string{"bold 0 4", "text_link 4 4 https://t.me/", "bold 4 4", "bold 8 4"}}},
	{"HTML", parseCase{in: `<a href="https://t.me"><code>x</code></a>`, text: "x", entities: []string{"code 0 1"}}},
	{"HTML", parseCase{in: `<a href="https://t.me">a<code>b</code></a>`, text: "ab", entities: []string{"text_link 0 2 https://t.me/"}}},
	{"HTML", parseCase{in: `<a href="https://t.me"><tg-emoji emoji-id="1">👍</tg-emoji></a>`, text: "👍",
		entities: []string{"text_link 0 2 https://t.me/"}}},
	{"HTML", parseCase{in: "<blockquote>a<blockquote>b</blockquote></blockquote>", text: "ab", entities: []string{"blockquote 0 2"}}},
	{"HTML", parseCase{in: "<code>a<blockquote>b</blockquote></code>", text: "ab", entities: []string{"blockquote 1 1"}}},
	{"HTML", parseCase{in: "<blockquote><code>a</code>b</blockquote>", text: "ab", entities: []string{"blockquote 0 2", "code 0 1"}}},
	{"MarkdownV2", parseCase{in: "*a*\\.*b*", text: "a.b", entities: []string{"bold 0 1", "bold 2 1"}}},
	{"MarkdownV2", parseCase{in: "*a**b*", text: "ab", entities: []string{"bold 0 2"}}},

	// Right-to-left text, ZWNJ and characters outside the BMP.
	{"HTML", parseCase{in: "سلام <b>دنیا</b>", text: "سلام دنیا", entities: []string{"bold 5 4"}}},
	{"HTML", parseCase{in: "<i>می\u200cروم</i> خانه", text: "می\u200cروم خانه", entities: []string{"italic 0 6"}}},
	{"HTML", parseCase{in: "<b>😀 سلام</b> 👍🏽 <u>مَرحَبًا</u>", text: "😀 سلام 👍🏽 مَرحَبًا",
		entities: []string{"bold 0 7", "underline 13 8"}}},
	{"HTML", parseCase{in: "<s>👨\u200d👩\u200d👧</s>!", text: "👨\u200d👩\u200d👧!", entities: []string{"strikethrough 0 8"}}},
	{"HTML", parseCase{in: `<a href="https://fa.wikipedia.org/wiki/تهران">تهران ۱۴۰۵</a>`, text: "تهران ۱۴۰۵",
		entities: []string{"text_link 0 10 https://fa.wikipedia.org/wiki/تهران"}}},
	{"MarkdownV2", parseCase{in: "*سلام* _دنیا_\\! 🌍 ~خط~", text: "سلام دنیا! 🌍 خط",
		entities: []string{"bold 0 4", "italic 5 4", "strikethrough 14 2"}}},
	{"MarkdownV2", parseCase{in: "||\u200f📣 خبر||", text: "\u200f📣 خبر", entities: []string{"spoiler 0 7"}}},
	{"MarkdownV2", parseCase{in: "`کد 🐹`", text: "کد 🐹", entities: []string{"code 0 5"}}},
	{"MarkdownV2", parseCase{in: "🐹🐹 سلام.", err: `Character '.' is reserved and must be escaped with the preceding '\'`}},
	{"Markdown", parseCase{in: "🐹 *نان\u200cها* _و_ [پیوند](https://example.com)", text: "🐹 نان\u200cها و پیوند",
		entities: []string{"bold 3 6", "italic 10 1", "text_link 12 5 https://example.com/"}}},

	// Legacy Markdown: no nesting, escapes only for markup.
	{"Markdown", parseCase{in: "*bold*", text: "bold", entities: []string{"bold 0 4"}}},
	{"Markdown", parseCase{in: "*a _b_ c*", text: "a _b_ c", entities: []string{"bold 0 7"}}},
	{"Markdown", parseCase{in: `\*not bold\* a.b-c!`, text: "*not bold* a.b-c!"}},
	{"Markdown", parseCase{in: "```go\nfmt.Println()```", text: "fmt.Println()", entities: []string{"pre 0 13 lang=go"}}},
	{"Markdown", parseCase{in: "```\ncode\n```", text: "code\n", entities: []string{"pre 0 5"}}},
	{"Markdown", parseCase{in: "a ``` b```", text: "a  b", entities: []string{"pre 2 2"}}},
	{"Markdown", parseCase{in: "[t.me]", text: "t.me", entities: []string{"text_link 0 4 http://t.me/"}}},
	{"Markdown", parseCase{in: "[x](tg://user?id=42)", text: "x", entities: []string{"text_mention 0 1 user=42"}}},
	{"Markdown", parseCase{in: "[x](nowhere)", text: "x"}},
	{"Markdown", parseCase{in: "[x](t.me", text: "x", entities: []string{"text_link 0 1 http://t.me/"}}},
	{"Markdown", parseCase{in: "**", text: ""}},
	{"Markdown", parseCase{in: "*unclosed", err: "Can't find end of the entity starting at byte offset 0"}},
	{"Markdown", parseCase{in: "ok _🐹", err: "Can't find end of the entity starting at byte offset 3"}},
	{"Markdown", parseCase{in: "```abc", err: "Can't find end of the entity starting at byte offset 0"}},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		text, entities, err := Parse(tc.in, tc.mode)
		if tc.err != "" {
			if want := "Bad Request: can't parse entities: " + tc.err; err == nil || err.Error() != want {
				t.Errorf("%s %q: got error %v, want %q", tc.mode, tc.in, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.mode, tc.in, err)
			continue
		}
		if got := show(entities); text != tc.text || !slices.Equal(got, tc.entities) {
			t.Errorf("%s %q:\n got %q\n     %q\nwant %q\n     %q", tc.mode, tc.in, text, got, tc.text, tc.entities)
		}
		checkEntities(t, text, entities)
	}
}

func TestParseModes(t *testing.T) {
	for _, tc := range []struct{ text, mode, want, err string }{
		{"<b>x</b>", "html", "x", ""},
		{"<b>x</b>", "Html", "x", ""},
		{"*x*", "MARKDOWNV2", "x", ""},
		{"*x*", "markdown", "x", ""},
		{"<b>x</b>", "", "<b>x</b>", ""},
		{"<b>x</b>", "none", "<b>x</b>", ""},
		{"x", "INVALID", "", "Bad Request: unsupported parse_mode"},
		{"", "INVALID", "", ""}, // the Bot API looks at the mode only when there is text
		{"a\xffb", "HTML", "", "Bad Request: text must be encoded in UTF-8"},
	} {
		text, _, err := Parse(tc.text, tc.mode)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Parse(%q, %q): got error %v, want %q", tc.text, tc.mode, err, tc.err)
			}
			continue
		}
		if err != nil || text != tc.want {
			t.Errorf("Parse(%q, %q) = %q, %v; want %q", tc.text, tc.mode, text, err, tc.want)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	for s, want := range map[string]int{
		"": 0, "abc": 3, "سلام": 4, "می\u200cروم": 6, "😀": 2, "➡️": 2, "👍🏽": 4,
		"👨\u200d👩\u200d👧": 8, "\U0010FFFF": 2, "\xff": 1, "a\xe2\x82": 3,
	} {
		if got := UTF16Len(s); got != want {
			t.Errorf("UTF16Len(%q) = %d, want %d", s, got, want)
		}
	}
}

type validateCase struct {
	text     string
	in       []Entity
	entities []string
	err      string
}

func bold(offset, length int) Entity { return Entity{Type: "bold", Offset: offset, Length: length} }

func e(typ string, offset, length int) Entity {
	return Entity{Type: typ, Offset: offset, Length: length}
}

var validateCases = []validateCase{
	{text: "hello", in: []Entity{bold(0, 5)}, entities: []string{"bold 0 5"}},
	{text: "hello", in: nil, entities: nil},
	{text: "hello", in: []Entity{bold(2, 0), bold(0, 5)}, entities: []string{"bold 0 5"}},
	{text: "secret", in: []Entity{e("spoiler", 0, 6)}, entities: []string{"spoiler 0 6"}},
	{text: "quoted", in: []Entity{e("blockquote", 0, 6), e("expandable_blockquote", 0, 6)}, entities: []string{"blockquote 0 6"}},
	{text: "click", in: []Entity{{Type: "text_link", Offset: 0, Length: 5, URL: "t.me"}}, entities: []string{"text_link 0 5 http://t.me/"}},
	{text: "click", in: []Entity{{Type: "text_link", Offset: 0, Length: 5, URL: "tg://user?id=7"}}, entities: []string{"text_mention 0 5 user=7"}},
	{text: "Sara", in: []Entity{{Type: "text_mention", Offset: 0, Length: 4, User: &User{ID: 9}, URL: "x"}}, entities: []string{"text_mention 0 4 user=9"}},
	{text: "x = 1", in: []Entity{{Type: "pre", Offset: 0, Length: 5, Language: "go"}}, entities: []string{"pre 0 5 lang=go"}},
	{text: "x = 1", in: []Entity{{Type: "bold", Offset: 0, Length: 5, Language: "go", URL: "t.me", CustomEmojiID: "1"}}, entities: []string{"bold 0 5"}},
	{text: "👍", in: []Entity{{Type: "custom_emoji", Offset: 0, Length: 2, CustomEmojiID: "5368324170671202286"}},
		entities: []string{"custom_emoji 0 2 emoji=5368324170671202286"}},
	{text: "/start #tag $USD a@b.com https://example.com +1234567890", in: []Entity{
		e("bot_command", 0, 6), e("hashtag", 7, 4), e("cashtag", 12, 4), e("email", 17, 7), e("url", 25, 19), e("phone_number", 45, 11),
	}, entities: []string{"bot_command 0 6", "hashtag 7 4", "cashtag 12 4", "email 17 7", "url 25 19", "phone_number 45 11"}},
	{text: "سلام 👍🏽 دنیا", in: []Entity{bold(0, 4), e("italic", 5, 4), e("underline", 10, 4)},
		entities: []string{"bold 0 4", "italic 5 4", "underline 10 4"}},
	{text: "👉 👉  ", in: []Entity{bold(2, 1)}, entities: []string{"bold 2 1"}},
	{text: "👉 👉  ", in: []Entity{bold(0, 2), bold(3, 2)}, entities: []string{"bold 0 2", "bold 3 2"}},

	// TDLib's tests of fix_formatted_text.
	{text: "abc", in: []Entity{e("italic", 1, 1), e("italic", 0, 1)}, entities: []string{"italic 0 2"}},
	{text: "abc", in: []Entity{e("italic", 1, 1), e("italic", 1, 1)}, entities: []string{"italic 1 1"}},
	{text: "abc", in: []Entity{e("italic", 0, 2), e("italic", 1, 2)}, entities: []string{"italic 0 3"}},
	{text: "abc", in: []Entity{e("italic", 0, 2), e("italic", 2, 1)}, entities: []string{"italic 0 3"}},
	{text: "abc", in: []Entity{e("italic", 0, 1), e("italic", 2, 1)}, entities: []string{"italic 0 1", "italic 2 1"}},
	{text: "abc", in: []Entity{e("italic", 0, 2), bold(1, 2)}, entities: []string{"italic 0 1", "bold 1 2", "italic 1 1"}},
	{text: "abc", in: []Entity{e("italic", 0, 2), bold(2, 1)}, entities: []string{"italic 0 2", "bold 2 1"}},
	{text: "ab", in: []Entity{e("underline", 0, 2), e("strikethrough", 1, 1)},
		entities: []string{"underline 0 1", "underline 1 1", "strikethrough 1 1"}},
	{text: "ab", in: []Entity{e("strikethrough", 0, 2), e("underline", 1, 1)},
		entities: []string{"strikethrough 0 1", "underline 1 1", "strikethrough 1 1"}},
	{text: "ab", in: []Entity{e("underline", 0, 2), e("spoiler", 0, 1)}, entities: []string{"underline 0 2", "spoiler 0 1"}},
	{text: "ab", in: []Entity{e("underline", 0, 1), e("underline", 1, 1), e("spoiler", 0, 1)}, entities: []string{"underline 0 2", "spoiler 0 1"}},
	{text: "a\nb", in: []Entity{bold(0, 1), e("italic", 0, 1), bold(2, 1), e("italic", 2, 1)},
		entities: []string{"bold 0 1", "italic 0 1", "bold 2 1", "italic 2 1"}},
	{text: "a", in: []Entity{e("pre", 0, 1), e("spoiler", 0, 1)}, entities: []string{"pre 0 1"}},
	{text: "a", in: []Entity{e("spoiler", 0, 1), e("pre", 0, 1)}, entities: []string{"pre 0 1"}},
	{text: "abc", in: []Entity{e("pre", 0, 3), e("strikethrough", 1, 1)}, entities: []string{"pre 0 3"}},
	{text: "abc", in: []Entity{e("pre", 1, 1), e("strikethrough", 0, 3)}, entities: []string{"strikethrough 0 1", "pre 1 1", "strikethrough 2 1"}},
	{text: "abc", in: []Entity{e("pre", 1, 1), e("strikethrough", 1, 2)}, entities: []string{"pre 1 1", "strikethrough 2 1"}},
	{text: "abc", in: []Entity{e("pre", 1, 1), e("strikethrough", 0, 2)}, entities: []string{"strikethrough 0 1", "pre 1 1"}},
	{text: "abc", in: []Entity{e("pre", 0, 3), e("blockquote", 1, 1)}, entities: []string{"blockquote 1 1"}},
	{text: "abc", in: []Entity{e("blockquote", 0, 3), e("pre", 1, 1)}, entities: []string{"blockquote 0 3", "pre 1 1"}},
	{text: "abadcaba", in: []Entity{
		{Type: "text_link", Offset: 0, Length: 4, URL: "t.me"}, {Type: "text_link", Offset: 2, Length: 4, URL: "t.me"},
	}, entities: []string{"text_link 0 4 http://t.me/"}},
	{text: "abadcaba", in: []Entity{
		{Type: "text_link", Offset: 2, Length: 2, URL: "t.me"}, {Type: "text_link", Offset: 0, Length: 2, URL: "t.me"},
	}, entities: []string{"text_link 0 2 http://t.me/", "text_link 2 2 http://t.me/"}},

	// As the Bot API answered them.
	{text: "hello", in: []Entity{bold(100, 1)}, err: "Bad Request: entity begins after the end of the text at UTF-16 offset 100"},
	{text: "hello", in: []Entity{bold(0, 100)},
		err: "Bad Request: entity beginning at UTF-16 offset 0 ends after the end of the text at UTF-16 offset 100"},
	{text: "hello", in: []Entity{e("invalid_type", 0, 1)}, err: "Bad Request: can't parse MessageEntity: Unsupported type specified"},
	{text: "click", in: []Entity{{Type: "text_link", Offset: 0, Length: 5, URL: "not-a-url"}},
		err: "Bad Request: entity URL 'not-a-url' is invalid: Wrong HTTP URL"},
	{text: "click", in: []Entity{{Type: "text_link", Offset: 0, Length: 5, URL: ""}},
		err: "Bad Request: entity URL '' is invalid: URL host is empty"},
	{text: "hello", in: []Entity{bold(-1, 1)}, err: "Bad Request: receive an entity with incorrect offset -1"},
	{text: "x", in: []Entity{{Type: "custom_emoji", Offset: 0, Length: 1, CustomEmojiID: "9999999999999999999"}},
		err: `Bad Request: can't parse MessageEntity: Field "custom_emoji_id" must be a valid Number`},
	{text: "user", in: []Entity{{Type: "text_mention", Offset: 0, Length: 4, User: &User{ID: 0}}}, err: "Bad Request: user not found"},

	// TDLib's tests, and the rest of the checks.
	{text: "👉 👉  ", in: []Entity{bold(1, 1)}, err: "Bad Request: entity begins in a middle of a UTF-16 symbol at byte offset 4"},
	{text: "👉 👉  ", in: []Entity{bold(0, 1)},
		err: "Bad Request: entity beginning at UTF-16 offset 0 ends in a middle of a UTF-16 symbol at byte offset 4"},
	{text: "aba caba", in: []Entity{bold(3, 6)},
		err: "Bad Request: entity beginning at UTF-16 offset 3 ends after the end of the text at UTF-16 offset 9"},
	{text: "aba caba", in: []Entity{bold(9, 1)}, err: "Bad Request: entity begins after the end of the text at UTF-16 offset 9"},
	{text: "aba caba", in: []Entity{bold(0, -1)}, err: "Bad Request: receive an entity with incorrect length -1"},
	{text: "aba caba", in: []Entity{bold(0, 1000001)}, err: "Bad Request: receive an entity with incorrect length 1000001"},
	{text: "aba caba", in: []Entity{bold(0, 1), {Offset: 0, Length: 1}}, err: "Bad Request: can't parse MessageEntity: Type is not specified"},
	{text: "a", in: []Entity{e("text_mention", 0, 1)}, err: `Bad Request: can't parse MessageEntity: Can't find field "user"`},
	{text: "a", in: []Entity{e("custom_emoji", 0, 1)}, err: `Bad Request: can't parse MessageEntity: Can't find field "custom_emoji_id"`},
	{text: "a", in: []Entity{{Type: "custom_emoji", Offset: 0, Length: 1, CustomEmojiID: "0"}}, err: "Bad Request: invalid custom emoji identifier specified"},
	{text: "a", in: []Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "ftp://example.com"}},
		err: "Bad Request: entity URL 'ftp://example.com' is invalid: Unsupported URL protocol"},
	// The Bot API reads every entity before TDLib checks any: the unknown type is reported first.
	{text: "a", in: []Entity{bold(-1, 1), e("nope", 0, 1)}, err: "Bad Request: can't parse MessageEntity: Unsupported type specified"},
	{text: "a\xff", in: nil, err: "Bad Request: strings must be encoded in UTF-8"},
}

func TestValidate(t *testing.T) {
	for _, tc := range validateCases {
		in := slices.Clone(tc.in)
		entities, err := Validate(tc.text, in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q %v: got error %v, want %q", tc.text, tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q %v: %v", tc.text, tc.in, err)
			continue
		}
		if got := show(entities); !slices.Equal(got, tc.entities) {
			t.Errorf("%q %v:\n got %q\nwant %q", tc.text, tc.in, got, tc.entities)
		}
		if !slices.EqualFunc(in, tc.in, func(a, b Entity) bool { return a.Type == b.Type && a.Offset == b.Offset }) {
			t.Errorf("%q: Validate changed its argument", tc.text)
		}
		checkEntities(t, tc.text, entities)
	}
}

func TestCheckLink(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"telegram.org", "http://telegram.org/", ""},
		{"https://telegram.dog?", "https://telegram.dog/?", ""},
		{"HTTPS://Example.COM/Path?Q#F", "https://example.com/Path?Q#F", ""},
		{"http://user:pw@example.com:8080/a b ", "http://user:pw@example.com:8080/a%20b", ""},
		{"example.com:080", "http://example.com:80/", ""},
		{"www.🤙.tk#1", "http://www.🤙.tk/#1", ""},
		{"https://fa.wikipedia.org/wiki/تهران", "https://fa.wikipedia.org/wiki/تهران", ""},
		{"http://[::1]:80/x", "http://[::1]:80/x", ""},
		{"mailto:a@b.com", "http://mailto:a@b.com/", ""}, // parsed as userinfo@host, as TDLib does
		{"tg:resolve?domain=telegram", "tg://resolve?domain=telegram", ""},
		{"TG://resolve/?domain=telegram", "tg://resolve?domain=telegram", ""},
		{"ton://wallet", "ton://wallet/", ""},
		{"tonsite://a.ton", "tonsite://a.ton/", ""},
		{"", "", "URL host is empty"},
		{"asdasd", "", "Wrong HTTP URL"},
		{"ftp://example.com", "", "Unsupported URL protocol"},
		{"example.com:0", "", "Wrong port number specified in the URL"},
		{"example.com:70000", "", "Wrong port number specified in the URL"},
		{"example.com:", "", "Wrong port number specified in the URL"},
		{"http://[zz]/", "", "Wrong IPv6 address specified in the URL"},
		{"http://./", "", "Host is invalid"},
		{"http://exa mple.com", "", "Disallowed character in URL host"},
		{"http://ex%2.com", "", "Wrong percent-encoded symbol in URL host"},
		{"http://us\"er@example.com", "", "Disallowed character in URL userinfo"},
		{"tg:http://x", "", "Wrong tg URL"},
		{"tg://user:1", "", "Wrong tg URL"},
		{"ton://a@wallet", "", "Wrong ton URL"},
		{"tg://us.er?id=1", "", "Unallowed characters in URL host"},
	} {
		got, err := checkLink(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("checkLink(%q): got %q, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("checkLink(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// show writes entities as the tables do.
func show(entities []Entity) []string {
	var out []string
	for _, e := range entities {
		s := fmt.Sprintf("%s %d %d", e.Type, e.Offset, e.Length)
		switch {
		case e.URL != "":
			s += " " + e.URL
		case e.User != nil:
			s += fmt.Sprintf(" user=%d", e.User.ID)
		case e.Language != "":
			s += " lang=" + e.Language
		case e.CustomEmojiID != "":
			s += " emoji=" + e.CustomEmojiID
		}
		out = append(out, s)
	}
	return out
}

// checkEntities checks what must hold of any entities Parse or Validate
// returns: each is non-empty, within the text, on character boundaries;
// they are sorted; and they nest as Telegram lets them (TDLib's own
// randomised test of fix_formatted_text checks the same).
func checkEntities(t *testing.T, text string, entities []Entity) {
	t.Helper()
	boundaries := []bool{true} // whether a UTF-16 offset is between two characters
	for _, r := range text {
		if utf16Units(r) == 2 {
			boundaries = append(boundaries, false)
		}
		boundaries = append(boundaries, true)
	}
	u := len(boundaries) - 1
	for i, a := range entities {
		if _, ok := typeBit[a.Type]; !ok {
			t.Fatalf("%q: entity %d has unknown type %q", text, i, a.Type)
		}
		if a.Length <= 0 || a.Offset < 0 || end(a) > u || !boundaries[a.Offset] || !boundaries[end(a)] {
			t.Fatalf("%q: entity %d %+v does not fit the text of %d units", text, i, a, u)
		}
		for j := i + 1; j < len(entities); j++ {
			b := entities[j]
			if b.Offset < a.Offset || b.Offset == a.Offset && b.Length > a.Length {
				t.Fatalf("%q: entities %d and %d are out of order: %v", text, i, j, show(entities))
			}
			if b.Offset >= end(a) {
				continue
			}
			switch {
			case end(b) > end(a):
				t.Fatalf("%q: entities %d and %d cross: %v", text, i, j, show(entities))
			case a.Type == b.Type:
				t.Fatalf("%q: entity %d is inside one of its type: %v", text, j, show(entities))
			case isPre(a.Type):
				t.Fatalf("%q: entity %d is inside code: %v", text, j, show(entities))
			case !isSplittable(a.Type) && !isBlockquote(a.Type) && !isSplittable(b.Type):
				t.Fatalf("%q: entity %d is inside a link: %v", text, j, show(entities))
			}
		}
	}
	if again := fixEntities(slices.Clone(entities)); !slices.Equal(show(again), show(entities)) {
		t.Fatalf("%q: fixing again changes %v to %v", text, show(entities), show(again))
	}
}

// TestLongLinkText checks that a link without a URL links to its text only
// while the text could be a message's.
func TestLongLinkText(t *testing.T) {
	for _, tc := range []struct {
		host string
		link bool
	}{
		{strings.Repeat("a", maxMessageLength-4) + ".com", true},
		{strings.Repeat("a", maxMessageLength-3) + ".com", false},
	} {
		for _, in := range []string{"<a>" + tc.host + "</a>", "[" + tc.host + "]"} {
			mode := "HTML"
			if in[0] == '[' {
				mode = "MarkdownV2"
				in = strings.ReplaceAll(in, ".", `\.`)
			}
			_, entities, err := Parse(in, mode)
			if err != nil || (len(entities) == 1) != tc.link {
				t.Errorf("%s link to a text of %d units: %v, %v", mode, len(tc.host), show(entities), err)
			}
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, tc := range parseCases[:3] { // the documentation's examples
		b.Run(tc.mode, func(b *testing.B) {
			b.SetBytes(int64(len(tc.in)))
			for b.Loop() {
				if _, _, err := Parse(tc.in, tc.mode); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
