package faults

import "time"

type Action struct {
	At   time.Duration
	Verb string
}
