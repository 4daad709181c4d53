// Command chapar is the chapar server and its command-line client.
//
//	chapar [serve] [flags]        run the server (the default)
//	chapar migrate -from -to      move a single node's data into PostgreSQL
//	chapar <command> [flags]      a client command: register, login, send, tail, …
//
// Run "chapar help" for the list.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: tests call it directly.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-') {
		return runServe(args, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	if code, ok := runClientCommand(args[0], args[1:], stdout, stderr); ok {
		return code
	}
	fmt.Fprintf(stderr, "chapar: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage:
  chapar [serve] [-addr :8080] [-data ./chapar-data] [-config chapar.toml]
      run the server (see "chapar serve -h" for every flag)
  chapar serve -database postgres://… -nats nats://… [-cluster NAME]
      run one node of a cluster (docs/CLUSTER.md)
  chapar migrate -from ./chapar-data -to postgres://…
      move a single-node installation into an empty PostgreSQL database`)
	clientUsage(w)
}
