package checker_test

import (
	"testing"

	"example.com/clean/checker"
	"pgregory.net/rapid"
)
