package model_test

import (
	"testing"

	"example.com/bad/model"
	"example.com/bad/scenarios"
	"github.com/cockroachdb/datadriven"
	"pgregory.net/rapid"
)

func TestModel(t *testing.T) {}
