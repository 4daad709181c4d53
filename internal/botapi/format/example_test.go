package format_test

import (
	"encoding/json"
	"fmt"

	"github.com/chapar/chapar/internal/botapi/format"
)

func ExampleParse() {
	text, entities, _ := format.Parse(`<b>سلام</b> <a href="tg://user?id=42">Sara</a> 👋 <code>/start</code>`, "HTML")
	out, _ := json.Marshal(entities)
	fmt.Println(text)
	fmt.Println(string(out))

	_, _, err := format.Parse("Version 2.0", "MarkdownV2")
	fmt.Println(err)
	// Output:
	// سلام Sara 👋 /start
	// [{"type":"bold","offset":0,"length":4},{"type":"text_mention","offset":5,"length":4,"user":{"id":42}},{"type":"code","offset":13,"length":6}]
	// Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\'
}

func ExampleValidate() {
	entities, _ := format.Validate("see the docs", []format.Entity{
		{Type: "text_link", Offset: 8, Length: 4, URL: "core.telegram.org/bots/api"},
		{Type: "italic", Offset: 0, Length: 12},
	})
	out, _ := json.Marshal(entities)
	fmt.Println(string(out))

	_, err := format.Validate("hello", []format.Entity{{Type: "bold", Offset: 0, Length: 100}})
	fmt.Println(err)
	// Output:
	// [{"type":"italic","offset":0,"length":8},{"type":"text_link","offset":8,"length":4,"url":"http://core.telegram.org/bots/api"},{"type":"italic","offset":8,"length":4}]
	// Bad Request: entity beginning at UTF-16 offset 0 ends after the end of the text at UTF-16 offset 100
}
