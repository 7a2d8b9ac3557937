package main

import (
	"example.com/bad/model"
	"example.com/bad/reports"
	"example.com/bad/scenarios"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/viper"
)

func main() {}
