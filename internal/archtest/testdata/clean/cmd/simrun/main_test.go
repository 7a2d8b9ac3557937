package main

import (
	"testing"

	"github.com/cockroachdb/datadriven"
)
