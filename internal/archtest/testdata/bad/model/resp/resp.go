package resp

import (
	"example.com/bad/model"
	"net"
	"unsafe"
)

const Version = 2
