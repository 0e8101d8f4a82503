// Package e2e holds end-to-end tests: real servers on 127.0.0.1 (nginx, the demo target, a
// fault-injection target), the real pipeline and the real binary, under real concurrency.
package e2e
