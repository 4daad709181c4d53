package corpus

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// zwnj is the zero-width non-joiner, written inside Persian words (می‌روم)
// and often left out, or typed as a space, by people whose keyboards lack
// it.
const zwnj = "\u200c"

// The words below are canonical: Persian letters (ی, ک), with the
// non-joiner where careful writers put it. How a message's sender types
// them (Arabic ي and ك, without the non-joiner, with a space instead) is
// decided per user when a message is written (see style).

// persianTop are the most frequent words of Persian chat, roughly most
// frequent first.
var persianTop = strings.Fields(`
و در به از که این را با است من هم برای تو یک آن ما شما ولی یا هر چه نه خیلی همه
باید اگر الان دیگه فقط بعد سلام خوب چرا کجا کی چطور امروز فردا دیروز هنوز اما شاید حتما
ممنون مرسی لطفا بله آره خب پس چون وقتی همین اینجا اونجا چند بیشتر کمتر خودم خودش واقعا
یعنی مثل روی بین پیش او اون`)

// persianNouns take the plural, the indefinite/adjectival ی and the
// possessive endings.
var persianNouns = strings.Fields(`
کتاب خانه کار روز شب سال ماه هفته ساعت دقیقه وقت زمان دوست خانواده پدر مادر برادر خواهر
بچه مردم آدم شهر کشور ایران تهران اصفهان شیراز تبریز مشهد خیابان ماشین پول قیمت بازار
دانشگاه مدرسه کلاس درس امتحان استاد دانشجو معلم شرکت جلسه پروژه گزارش فایل عکس فیلم
آهنگ موسیقی بازی فوتبال تیم خبر سیاست دولت مجلس انتخابات اقتصاد دلار تورم نفت هوا باران
برف آفتاب غذا نان چای قهوه آب رستوران سفر هواپیما قطار بلیط هتل دریا کوه جنگل گوشی
کامپیوتر اینترنت برنامه سایت کانال گروه پیام سوال جواب مشکل راه نظر فکر حرف زبان کلمه
جمله داستان شعر نوروز یلدا تولد عروسی مهمانی هدیه گل رنگ لباس کفش پزشک دکتر بیمارستان
دارو سلامتی ورزش باشگاه پارک کوچه محله همسایه اتاق آشپزخانه پنجره میز صندلی کیف کلید
چراغ برق گاز تلفن شماره آدرس نامه ایمیل رمز حساب بانک کارت قسط وام حقوق شغل کارمند
مدیر رئیس مشتری سفارش تحویل بسته جعبه کیک شیرینی میوه سیب پرتقال هندوانه برنج گوشت مرغ
ماهی سبزی پنیر شیر تخم` + zwnj + `مرغ کتابخانه نمایشگاه فروشگاه کارخانه آزمایشگاه`)

// persianAdjectives take the comparative and superlative.
var persianAdjectives = strings.Fields(`
بزرگ کوچک زیبا قشنگ جدید قدیمی گرم سرد ارزان گران سخت آسان مهم جالب عالی بد زیاد کم
تازه درست غلط آماده خسته خوشحال ناراحت نزدیک دور بلند کوتاه`)

// persianVerbs are present and past stems.
var persianVerbs = [][2]string{
	{"رو", "رفت"}, {"خواه", "خواست"}, {"کن", "کرد"}, {"دان", "دانست"}, {"گو", "گفت"}, {"بین", "دید"},
	{"خور", "خورد"}, {"نویس", "نوشت"}, {"خوان", "خواند"}, {"آی", "آمد"}, {"ده", "داد"}, {"گیر", "گرفت"},
	{"زن", "زد"}, {"ساز", "ساخت"}, {"شو", "شد"}, {"پرس", "پرسید"}, {"فرست", "فرستاد"}, {"رس", "رسید"},
	{"گذار", "گذاشت"}, {"مان", "ماند"}, {"دار", "داشت"}, {"توان", "توانست"}, {"آور", "آورد"}, {"بر", "برد"},
	{"پوش", "پوشید"}, {"شناس", "شناخت"}, {"خر", "خرید"}, {"فروش", "فروخت"}, {"پز", "پخت"}, {"بند", "بست"},
	{"کش", "کشید"}, {"نشین", "نشست"}, {"خواب", "خوابید"}, {"گرد", "گشت"}, {"شنو", "شنید"}, {"فهم", "فهمید"},
	{"ترس", "ترسید"}, {"خند", "خندید"}, {"پرداز", "پرداخت"}, {"یاب", "یافت"},
}

var presentEndings = []string{"م", "ی", "د", "یم", "ید", "ند"}
var pastEndings = []string{"م", "ی", "", "یم", "ید", "ند"}

// persianNames are first names and family names: rarer words.
var persianNames = strings.Fields(`
محمد علی حسین رضا مهدی امیر سارا مریم زهرا فاطمه نرگس نیلوفر پریسا کیان آرش سینا بهار
الهام شیرین کاوه بابک پویا نگار مهسا یاسمن هستی آیدا کامران فرهاد بیژن منیژه رستم سهراب
محمدی احمدی حسینی رضایی کریمی موسوی هاشمی جعفری رحیمی کاظمی صادقی قاسمی نوری اکبری
یزدانی شریفی تهرانی شیرازی اصفهانی`)

// RareWord is a real word placed near the end of the Persian ranking: it
// occurs in a few dozen messages of a million.
const RareWord = "زعفران"

// persianRare are real but rare words, placed among the typos at the tail.
var persianRare = strings.Fields(`زعفران کهکشان سنگ` + zwnj + `نوردی پژوهشگاه آبشار فیروزه زیردریایی
کاریکاتور تلسکوپ اسطرلاب`)

var englishTop = strings.Fields(`
the to and a i you it is of in that for on this my we be have are not with but so can do
what just me your at if all will was get about ok yes no thanks please hi hello good know
like time now how when up out there one`)

var englishNouns = strings.Fields(`
meeting tomorrow today project file photo video music game team news price money work home
office email phone message group channel link update version server bug release code data
report deadline weekend holiday ticket flight hotel coffee lunch dinner party birthday gift
movie book school class exam teacher student university job manager customer order delivery
payment account password internet app screen laptop computer weather rain snow city street
car traffic doctor hospital medicine health gym football goal player coach`)

var englishVerbs = strings.Fields(`
send check need want think see come go make take give help start finish open close buy sell
read write watch play learn call meet wait fix test download upload travel`)

// finglish is Persian written in Latin letters, common in Iranian chats.
var finglish = strings.Fields(`
salam merci mamnoon chetori khobi kheili khob bashe are na mishe nemidoonam dige alan farda
emrooz koja chera chi doostet daram azizam`)

var englishRare = strings.Fields(`quantum saffron kaleidoscope zeppelin`)

// vocabulary is one language's words, most frequent first, with the
// cumulative weights of a Zipf-like distribution over their ranks.
type vocabulary struct {
	words []string
	cum   []float64
}

// pick draws a word.
func (v *vocabulary) pick(r *rand.Rand) string {
	return v.words[search(v.cum, r.Float64()*v.cum[len(v.cum)-1])]
}

// search finds the first i with cum[i] >= x.
func search(cum []float64, x float64) int {
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

// share is the fraction of this language's words that are w (0 if w is not
// in the vocabulary).
func (v *vocabulary) share(w string) float64 {
	for i, x := range v.words {
		if x == w {
			prev := 0.0
			if i > 0 {
				prev = v.cum[i-1]
			}
			return (v.cum[i] - prev) / v.cum[len(v.cum)-1]
		}
	}
	return 0
}

// newVocabulary ranks tiers of words: each tier after the ones before it,
// shuffled within (the first tier keeps its order), then the rare words
// spread among the typos at the tail. Weights fall as 1/(rank+2.7)^s.
func newVocabulary(r *rand.Rand, s float64, tiers [][]string, rare []string, typos int) *vocabulary {
	seen := make(map[string]bool)
	var words []string
	for i, tier := range tiers {
		tier = dedupe(tier, seen)
		if i > 0 {
			r.Shuffle(len(tier), func(a, b int) { tier[a], tier[b] = tier[b], tier[a] })
		}
		words = append(words, tier...)
	}
	base := append([]string(nil), words[len(tiers[0]):]...)
	rare = dedupe(rare, seen)
	var tail []string
	for len(tail) < typos {
		w := typo(r, base[r.IntN(len(base))])
		if w == "" || seen[w] {
			continue
		}
		seen[w] = true
		tail = append(tail, w)
	}
	// The rare words sit at evenly spread places in the last fifth.
	for i, w := range rare {
		at := len(tail) - len(tail)/5 + i*(len(tail)/5)/len(rare)
		tail = append(tail[:at], append([]string{w}, tail[at:]...)...)
	}
	words = append(words, tail...)
	v := &vocabulary{words: words, cum: make([]float64, len(words))}
	sum := 0.0
	for i := range words {
		sum += 1 / math.Pow(float64(i+1)+2.7, s)
		v.cum[i] = sum
	}
	return v
}

func dedupe(words []string, seen map[string]bool) []string {
	var out []string
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// typo misspells w: a letter dropped, doubled or swapped with the next.
func typo(r *rand.Rand, w string) string {
	rs := []rune(w)
	if len(rs) < 4 {
		return ""
	}
	i := 1 + r.IntN(len(rs)-2)
	if string(rs[i]) == zwnj || string(rs[i+1]) == zwnj {
		return ""
	}
	switch r.IntN(3) {
	case 0:
		rs = append(rs[:i], rs[i+1:]...)
	case 1:
		rs = append(rs[:i+1], rs[i:]...)
	default:
		rs[i], rs[i+1] = rs[i+1], rs[i]
	}
	return string(rs)
}

// persianVocabulary builds the Persian words: the top words; then nouns,
// adjectives and the commonest verb forms; then the other inflections;
// then names; then typos (with the rare words among them).
func persianVocabulary(r *rand.Rand) *vocabulary {
	var common, derived []string
	for _, n := range persianNouns {
		common = append(common, n)
		var y, pron []string // the indefinite ی; the possessive endings
		switch last := lastRune(n); {
		case last == "ه":
			y, pron = []string{n + zwnj + "ای"}, []string{n + zwnj + "ام", n + zwnj + "ات", n + zwnj + "اش"}
		case last == "ا" || last == "و":
			y, pron = []string{n + "یی"}, []string{n + "یم", n + "یت", n + "یش"}
		default:
			y, pron = []string{n + "ی"}, []string{n + "م", n + "ت", n + "ش"}
		}
		derived = append(derived, n+zwnj+"ها", n+zwnj+"های", n+zwnj+"هایم")
		derived = append(derived, y...)
		derived = append(derived, pron...)
	}
	for _, a := range persianAdjectives {
		common = append(common, a)
		derived = append(derived, a+"تر", a+"ترین", a+"ی")
	}
	for _, v := range persianVerbs {
		pres, past := v[0], v[1]
		common = append(common, "می"+zwnj+pres+"م", "می"+zwnj+pres+"د", past+"م", past)
		for _, e := range presentEndings {
			derived = append(derived, "می"+zwnj+pres+e, "نمی"+zwnj+pres+e)
			if !strings.HasPrefix(pres, "آ") {
				derived = append(derived, "ب"+pres+e)
			}
		}
		for _, e := range pastEndings {
			derived = append(derived, past+e, "ن"+past+e, "می"+zwnj+past+e)
		}
		derived = append(derived, past+"ه", past+"ه"+zwnj+"ام", past+"ه"+zwnj+"اند")
	}
	return newVocabulary(r, 1.07, [][]string{persianTop, common, derived, persianNames}, persianRare, 1200)
}

func englishVocabulary(r *rand.Rand) *vocabulary {
	var common, derived []string
	common = append(common, englishNouns...)
	common = append(common, englishVerbs...)
	common = append(common, finglish...)
	for _, n := range englishNouns {
		derived = append(derived, n+"s")
	}
	for _, v := range englishVerbs {
		stem := strings.TrimSuffix(v, "e")
		derived = append(derived, v+"s", stem+"ed", stem+"ing")
	}
	return newVocabulary(r, 1.07, [][]string{englishTop, common, derived}, englishRare, 300)
}

func lastRune(s string) string {
	rs := []rune(s)
	return string(rs[len(rs)-1])
}
