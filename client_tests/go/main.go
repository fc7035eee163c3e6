// Command firehose-go-client is a producer and a consumer as an application would write
// them with the AWS SDK for Go v2, run by the client tests against the local server.
//
// Usage:
//
//	firehose-go-client produce < job.json
//	firehose-go-client consume < job.json
//
// The endpoint comes from AWS_ENDPOINT_URL (the SDK releases Debian packages predate its
// support of that variable, so the program reads it and sets the clients' endpoint
// itself); credentials and region come from the environment, as the SDK finds them. The
// job is JSON on standard input; each command documents its own. The answer is one JSON
// object on standard output. An AWS error that ends the run is reported there, with exit
// code 0, so the caller can assert on it; anything else (a bad job, a control API that
// refuses a fault) exits 1 with the reason on standard error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// A command reads its job from standard input and returns the answer to print.
type command func(ctx context.Context, endpoint string, job []byte) (interface{}, error)

var commands = map[string]command{
	"produce": produce,
	"consume": consume,
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "firehose-go-client:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 1 || commands[args[0]] == nil {
		return errors.New("give one command, produce or consume, and the job on standard input")
	}
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	if endpoint == "" {
		return errors.New("set AWS_ENDPOINT_URL to the server's URL")
	}
	job, err := io.ReadAll(os.Stdin)
	if err != nil {
		return fmt.Errorf("reading the job: %w", err)
	}
	answer, err := commands[args[0]](context.Background(), endpoint, job)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(answer)
}

// decodeJob reads a job into target, refusing fields the command does not know, so that a
// misspelt setting fails instead of being silently ignored.
func decodeJob(job []byte, target interface{}) error {
	decoder := json.NewDecoder(bytes.NewReader(job))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(target); err != nil {
		return fmt.Errorf("the job on standard input: %w", err)
	}
	return nil
}
