// kscale-parity runs upstream's HPA controller (k8s.io/kubernetes v1.36.3,
// pkg/controller/podautoscaler) on test cases read from stdin, one JSON object per line, and writes
// one JSON object per line with what the controller did at each step. test/parity/run.ts feeds the
// same cases to kscale's engine and compares.
//
// Each case gets a fresh HorizontalController wired to fake clients (client-go fake clientset and
// listers, the fake scale client, the fake metrics/custom/external metrics clients); its steps run on
// that one instance, so the controller's in-memory recommendations and scale events carry over.
// The controller reads the wall clock (time.Now) directly and its reconcile is unexported, so
// build.sh compiles upstream's package as kscale/tools/parity/upstream (a directory that exists only
// in its Go build overlay: build with build.sh, not plain `go build`), with those clock reads routed
// to a settable clock and reconcileKey exported (see overlay.go.txt). Each step then runs at the
// case's `now` exactly, and the in-memory stabilization history ages between steps as it would.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/klog/v2"
)

func main() {
	// Upstream logs at info level on every rescale; keep stdout for results and stderr quiet.
	klog.SetOutput(io.Discard)
	klog.LogToStderr(false)
	// kscale implements scale to zero (KEP-2021) unconditionally, so compare against upstream with the
	// (alpha, default off) HPAScaleToZero gate on; every other gate keeps its v1.36.3 default
	// (HPAConfigurableTolerance and PodLevelResources are on by default).
	if err := utilfeature.DefaultMutableFeatureGate.SetFromMap(map[string]bool{"HPAScaleToZero": true}); err != nil {
		fmt.Fprintf(os.Stderr, "kscale-parity: %v\n", err)
		os.Exit(2)
	}
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println("kscale-parity (k8s.io/kubernetes v1.36.3 pkg/controller/podautoscaler)")
		return
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		var res *caseResult
		var c testCase
		if err := json.Unmarshal(line, &c); err != nil {
			res = &caseResult{Error: fmt.Sprintf("bad case: %v", err)}
		} else {
			res = runCaseSafely(&c)
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(os.Stderr, "kscale-parity: %v\n", err)
			os.Exit(1)
		}
		// The reader waits for each answer line before it sends the next case.
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "kscale-parity: reading stdin: %v\n", err)
		os.Exit(1)
	}
}

// runCaseSafely turns a panic inside upstream code into a reported result instead of a lost stream.
func runCaseSafely(c *testCase) (res *caseResult) {
	defer func() {
		if r := recover(); r != nil {
			res = &caseResult{ID: c.ID, Error: fmt.Sprintf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	return runCase(c)
}
