package format

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// checkLink is TDLib's check_link: it accepts http(s) links, with or
// without the scheme, and tg:, ton: and tonsite: links, and returns the link
// as Telegram stores it ("example.com" becomes "http://example.com/"). Its
// errors are TDLib's reasons, such as "Wrong HTTP URL".
func checkLink(link string) (string, error) {
	scheme := ""
	for _, s := range []string{"tg", "ton", "tonsite"} {
		if len(link) > len(s) && asciiLower(link[:len(s)+1]) == s+":" {
			scheme, link = s, link[len(s)+1:]
			link = strings.TrimPrefix(link, "//")
			break
		}
	}
	url, err := parseURL(link)
	if err != nil {
		return "", err
	}
	if scheme == "" {
		if !strings.Contains(url.host, ".") && !url.ipv6 {
			return "", errors.New("Wrong HTTP URL")
		}
		return url.String(), nil
	}
	if strings.HasPrefix(asciiLower(link), "http://") || url.https || url.userinfo != "" || url.port != 0 || url.ipv6 {
		if scheme == "tg" {
			return "", errors.New("Wrong tg URL")
		}
		return "", errors.New("Wrong ton URL")
	}
	for i := 0; i < len(url.host); i++ {
		if c := url.host[i]; !isAlnum(c) && c != '-' && c != '_' && !(scheme == "tonsite" && c == '.') {
			return "", errors.New("Unallowed characters in URL host")
		}
	}
	query := url.query
	if strings.HasPrefix(query, "/?") {
		query = query[1:] // tg://resolve?domain=x, not tg://resolve/?domain=x
	}
	return scheme + "://" + url.host + query, nil
}

// httpURL is a link as TDLib's parse_url splits it.
type httpURL struct {
	https    bool
	userinfo string
	host     string // lower-cased
	ipv6     bool
	port     int    // as written, 0 if none
	query    string // path, query and fragment; starts with '/'
}

func (u httpURL) String() string {
	s := "http://"
	if u.https {
		s = "https://"
	}
	if u.userinfo != "" {
		s += u.userinfo + "@"
	}
	s += u.host
	if u.port > 0 {
		s += ":" + strconv.Itoa(u.port)
	}
	return s + u.query
}

// parseURL is TDLib's parse_url: [http[s]://][userinfo@]host[:port][/…].
func parseURL(link string) (httpURL, error) {
	var u httpURL
	rest := link
	if n := strings.IndexAny(link, ":/?#@[]"); n >= 0 && strings.HasPrefix(link[n:], "://") {
		switch asciiLower(link[:n]) {
		case "http":
		case "https":
			u.https = true
		default:
			return u, errors.New("Unsupported URL protocol")
		}
		rest = link[n+3:]
	}
	authority, query := rest, ""
	if n := strings.IndexAny(rest, "/?#"); n >= 0 {
		authority, query = rest[:n], rest[n:]
	}

	host := authority
	if n := strings.LastIndexAny(authority, ":]@"); n > 0 && authority[n] == ':' {
		digits := strings.TrimLeft(authority[n+1:], "0")
		if digits == "" && n+1 < len(authority) {
			digits = "0"
		}
		port, ok := canonicalInt(digits)
		if !ok || port == 0 {
			port = -1
		}
		if port < 0 || port > 65535 {
			return u, errors.New("Wrong port number specified in the URL")
		}
		u.port = int(port)
		host = authority[:n]
	}
	if n := strings.LastIndexByte(host, '@'); n >= 0 {
		u.userinfo, host = host[:n], host[n+1:]
	}
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		addr, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return u, errors.New("Wrong IPv6 address specified in the URL")
		}
		u.ipv6 = true
	}
	if host == "" {
		return u, errors.New("URL host is empty")
	}
	if host == "." {
		return u, errors.New("Host is invalid")
	}

	for query != "" && isSpace(query[len(query)-1]) {
		query = query[:len(query)-1]
	}
	var q strings.Builder
	if !strings.HasPrefix(query, "/") {
		q.WriteByte('/')
	}
	for i := 0; i < len(query); i++ {
		if c := query[i]; c <= 0x20 {
			const hexDigits = "0123456789ABCDEF"
			q.Write([]byte{'%', hexDigits[c>>4], hexDigits[c&15]})
		} else {
			q.WriteByte(c)
		}
	}
	u.query = q.String()

	u.host = asciiLower(host)
	if u.ipv6 {
		for i := 1; i+1 < len(u.host); i++ {
			if c := u.host[i]; c != ':' && c != '.' && !isHex(c) {
				return u, errors.New("Wrong IPv6 URL host")
			}
		}
		return u, nil
	}
	if err := checkURLPart(u.host, "host", false); err != nil {
		return u, err
	}
	return u, checkURLPart(u.userinfo, "userinfo", true)
}

// checkURLPart allows what RFC 3986 allows in a host or userinfo, and any
// non-ASCII UTF-8.
func checkURLPart(part, name string, colon bool) error {
	for i := 0; i < len(part); i++ {
		c := part[i]
		switch {
		case isAlnum(c), strings.IndexByte(".-_!$,~*'();&+=", c) >= 0, colon && c == ':', c >= 0x80:
		case c == '%':
			if !isHex(byteAt(part, i+1)) || !isHex(byteAt(part, i+2)) {
				return errors.New("Wrong percent-encoded symbol in URL " + name)
			}
			i += 2
		default:
			return errors.New("Disallowed character in URL " + name)
		}
	}
	return nil
}

// linkUserID returns the user a tg://user?id=N link names, or 0 if it names
// none: such a link makes a text_mention instead of a text_link.
func linkUserID(link string) int64 {
	query, ok := tgQuery(link, "user")
	if !ok {
		return 0
	}
	const maxUserID = 1<<40 - 1
	if value, found := queryValue(query, "id"); found {
		if id, ok := canonicalInt(value); ok && id > 0 && id <= maxUserID {
			return id
		}
	}
	return 0
}

// customEmojiID reads the id of a tg://emoji?id=N link, or says in TDLib's
// words what is wrong with the link.
func customEmojiID(link string) (id string, problem string) {
	l := asciiLower(link)
	if !strings.HasPrefix(l, "tg:") {
		return "", "Custom emoji URL must have scheme tg"
	}
	l = strings.TrimPrefix(l[3:], "//")
	if !strings.HasPrefix(l, "emoji") || len(l) > 5 && strings.IndexByte("/?#", l[5]) < 0 {
		return "", `Custom emoji URL must have host "emoji"`
	}
	query, ok := tgQuery(link, "emoji")
	if !ok {
		return "", "Custom emoji URL must have an emoji identifier"
	}
	value, found := queryValue(query, "id")
	if !found {
		return "", "Custom emoji URL must have an emoji identifier"
	}
	if n, ok := canonicalInt(value); !ok || n == 0 {
		return "", "Invalid custom emoji identifier specified"
	}
	return value, ""
}

// tgQuery returns the query of a lower-cased tg:[//]host[/]?query link, cut
// at '#', or false if the link is not one.
func tgQuery(link, host string) (string, bool) {
	l := asciiLower(link)
	if !strings.HasPrefix(l, "tg:") {
		return "", false
	}
	l = strings.TrimPrefix(l[3:], "//")
	if !strings.HasPrefix(l, host) {
		return "", false
	}
	l = strings.TrimPrefix(l[len(host):], "/")
	if !strings.HasPrefix(l, "?") {
		return "", false
	}
	l = l[1:]
	if n := strings.IndexByte(l, '#'); n >= 0 {
		l = l[:n]
	}
	return l, true
}

// queryValue finds the first key=value pair with the key in a query.
func queryValue(query, key string) (string, bool) {
	for _, pair := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if k == key {
			return v, true
		}
	}
	return "", false
}
