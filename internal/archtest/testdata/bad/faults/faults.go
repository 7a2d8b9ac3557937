package faults

import (
	crand "crypto/rand"
	"math/rand"
	"os/exec"
	"runtime/debug"
	"syscall"
)
