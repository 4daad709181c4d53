// Package bus carries committed events and ephemeral signals from where
// they happen to every node's hub. Local is the in-process bus of a single
// node; a cluster replaces it with one that crosses nodes, behind the same
// interface.
//
// Ordering rule: a Handler sees events in the order they were committed
// (ascending pos), each batch whole. Signals carry no order.
package bus

import (
	"sync"

	"github.com/chapar/chapar/internal/domain"
)

// Handler receives what the bus carries. Its methods must not block.
type Handler interface {
	Events([]domain.Event)
	Signal(domain.Signal)
}

// Bus is what the domain and store publish to and what hubs listen on.
type Bus interface {
	domain.Publisher
	domain.Notifier
	Subscribe(Handler)
}

// Local delivers synchronously to its handlers, in the caller's goroutine.
// The store publishes from its single writer goroutine, so handlers see
// commit order.
type Local struct {
	mu       sync.RWMutex
	handlers []Handler
}

func NewLocal() *Local { return &Local{} }

func (b *Local) Subscribe(h Handler) {
	b.mu.Lock()
	b.handlers = append(b.handlers, h)
	b.mu.Unlock()
}

func (b *Local) Publish(evs []domain.Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, h := range b.handlers {
		h.Events(evs)
	}
}

func (b *Local) Notify(s domain.Signal) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, h := range b.handlers {
		h.Signal(s)
	}
}
