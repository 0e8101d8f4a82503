package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// interruptible returns a context cancelled by the first SIGINT or SIGTERM; a second one exits
// the process at once with 130 after running cleanup (which removes half-written files).
// interrupted reports whether a signal arrived. stop releases the signal handler.
func interruptible(parent context.Context, errOut io.Writer, cleanup func()) (ctx context.Context, interrupted func() bool, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var got atomic.Int32
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-ch:
				if got.Add(1) == 1 {
					fmt.Fprintf(errOut, "\nseccheck: %v: stopping, waiting for in-flight requests, then writing the partial report (press Ctrl-C again to quit now)\n", sig)
					cancel()
					continue
				}
				fmt.Fprintf(errOut, "\nseccheck: %v again: quitting now\n", sig)
				if cleanup != nil {
					cleanup()
				}
				os.Exit(ExitInterrupted)
			case <-done:
				return
			}
		}
	}()
	return ctx, func() bool { return got.Load() > 0 }, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}
