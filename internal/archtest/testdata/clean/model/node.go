package model

import (
	"bytes"
	"fmt"
	"time"
)

const Name = "model"

var timeout = 5 * time.Second

func describe(b *bytes.Buffer) string { return fmt.Sprint(timeout) }
