package main

// The pytest-firehose control API, from Go: a fault is scripted with a POST of the same
// keywords that firehose.fail() and kinesis.fail() take, plus the service.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// scriptFaults posts each body to <endpoint>/_fake/faults and returns the server's replies.
func scriptFaults(ctx context.Context, endpoint string, bodies []json.RawMessage) ([]json.RawMessage, error) {
	replies := []json.RawMessage{}
	for _, body := range bodies {
		reply, err := scriptFault(ctx, endpoint, body)
		if err != nil {
			return nil, err
		}
		replies = append(replies, reply)
	}
	return replies, nil
}

func scriptFault(ctx context.Context, endpoint string, body json.RawMessage) (json.RawMessage, error) {
	url := strings.TrimRight(endpoint, "/") + "/_fake/faults"
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	request.Header.Set("Content-Type", "application/json")
	answer, err := http.DefaultClient.Do(request)
	if err != nil {
		return nil, err
	}
	defer answer.Body.Close()
	var reply json.RawMessage
	if err := json.NewDecoder(answer.Body).Decode(&reply); err != nil {
		return nil, fmt.Errorf("POST %s answered %d with no JSON: %w", url, answer.StatusCode, err)
	}
	if answer.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("POST %s answered %d: %s", url, answer.StatusCode, reply)
	}
	return reply, nil
}
