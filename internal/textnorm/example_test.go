package textnorm_test

import (
	"fmt"

	"github.com/chapar/chapar/internal/textnorm"
)

func ExampleFold() {
	for _, s := range []string{
		"كتاب",                     // Arabic kaf
		"علي",                      // Arabic yeh
		"مدرسة",                    // teh marbuta
		"قُرآن",                    // harakat and madda
		"می\u200Cروم",              // zero-width non-joiner
		"کـــتاب",                  // kashida
		"\uFEDB\uFE98\uFE8E\uFE8F", // presentation forms
		"۱۴۰۵ / ١٤٠٥",              // Persian and Arabic-Indic digits
		"Café ＡＢＣ",                 // accent, fullwidth
	} {
		fmt.Println(textnorm.Fold(s))
	}
	// Output:
	// کتاب
	// علی
	// مدرسه
	// قران
	// میروم
	// کتاب
	// کتاب
	// 1405 / 1405
	// cafe abc
}

func ExampleTerms() {
	fmt.Printf("%q\n", textnorm.Terms("سلام Hello ۱۲۳"))
	fmt.Printf("%q\n", textnorm.Terms("كتاب‌هاي «مدرسة»، كجاست؟"))
	fmt.Printf("%q\n", textnorm.Terms(" ،؟ "))
	// Output:
	// ["سلام" "hello" "123"]
	// ["کتابهای" "مدرسه" "کجاست"]
	// []
}
