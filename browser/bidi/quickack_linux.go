//go:build linux

package bidi

import (
	"net"
	"syscall"
)

// quickAckConn re-arms TCP_QUICKACK before every read. Firefox's remote
// agent writes each BiDi message as a small frame on a socket with Nagle's
// algorithm on; with Linux's delayed ACK on our side, a reply that follows
// a burst of events waited ~40 ms for our ACK. Acking at once removes that
// wait (measured here: 50 sequential preflighted PUTs 2.5 s → 0.5 s).
type quickAckConn struct {
	net.Conn
	raw syscall.RawConn
}

func withQuickAck(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	q := &quickAckConn{Conn: c, raw: raw}
	q.arm()
	return q
}

func (q *quickAckConn) arm() {
	q.raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}

func (q *quickAckConn) Read(p []byte) (int, error) {
	n, err := q.Conn.Read(p)
	q.arm() // the kernel clears it; re-arm for the next segment
	return n, err
}
