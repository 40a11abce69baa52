// Command gt_sleep sleeps for a duration (default 10s), giving conformance
// cases a long-lived process with a distinctive name: gt_sleep [DURATION].
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	d := 10 * time.Second
	if len(os.Args) > 1 {
		var err error
		if d, err = time.ParseDuration(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "gt_sleep:", err)
			os.Exit(2)
		}
	}
	time.Sleep(d)
}
