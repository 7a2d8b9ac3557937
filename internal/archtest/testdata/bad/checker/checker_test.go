package checker

import (
	"testing"

	"github.com/goccy/go-yaml"
	"pgregory.net/rapid"
)
