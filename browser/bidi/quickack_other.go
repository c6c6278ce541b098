//go:build !linux

package bidi

import "net"

func withQuickAck(c net.Conn) net.Conn { return c }
