package checker

import (
	"os"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

func check() {
	var wg sync.WaitGroup
	wg.Go(func() {})
	go func() {}()
	_ = time.Now()
	_, _ = os.Getwd()
	select {}
}
