package domain

import (
	"sync"
	"time"
)

// limiter counts events per key in a fixed window: n events per window,
// then the key is refused until the window ends. Keys are forgotten when
// their window ends, so memory follows the number of recent offenders.
type limiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]*bucket
	gc   time.Time
}

type bucket struct {
	count int
	reset time.Time
}

func newLimiter(n int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{n: n, window: window, now: now, keys: make(map[string]*bucket)}
}

// blocked reports whether key is over its limit, and for how long.
func (l *limiter) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys[key]
	now := l.now()
	if !ok || now.After(b.reset) {
		return false, 0
	}
	if b.count >= l.n {
		return true, b.reset.Sub(now)
	}
	return false, 0
}

// hit counts one event for key.
func (l *limiter) hit(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.After(l.gc) {
		for k, b := range l.keys {
			if now.After(b.reset) {
				delete(l.keys, k)
			}
		}
		l.gc = now.Add(l.window)
	}
	b, ok := l.keys[key]
	if !ok || now.After(b.reset) {
		b = &bucket{reset: now.Add(l.window)}
		l.keys[key] = b
	}
	b.count++
}

func (l *limiter) clear(key string) {
	l.mu.Lock()
	delete(l.keys, key)
	l.mu.Unlock()
}

func rateLimited(wait time.Duration) *Error {
	secs := int(wait/time.Second) + 1
	return &Error{Kind: KindRateLimited, Message: "too many attempts; try again later", RetryAfter: secs}
}
