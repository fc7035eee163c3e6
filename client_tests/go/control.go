package main

// The pytest-firehose control API, from Go: a fault is scripted with a POST of the same
// keywords that firehose.fail() and kinesis.fail() take, plus the service; a delivery
// stream's destination is switched, the fake clock moved and a stream read back the same
// way, with net/http.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// control makes one control call and decodes its JSON answer into reply; an answer other
// than a 2xx is an error carrying the server's message.
func control(ctx context.Context, endpoint, method, path string, body []byte, reply interface{}) error {
	target := strings.TrimRight(endpoint, "/") + path
	var content io.Reader
	if body != nil {
		content = bytes.NewReader(body)
	}
	request, err := http.NewRequestWithContext(ctx, method, target, content)
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/json")
	answer, err := http.DefaultClient.Do(request)
	if err != nil {
		return err
	}
	defer answer.Body.Close()
	if answer.StatusCode/100 != 2 {
		var refusal struct {
			Error string `json:"error"`
		}
		if err := json.NewDecoder(answer.Body).Decode(&refusal); err != nil {
			return fmt.Errorf("%s %s answered %d with no JSON: %w", method, target, answer.StatusCode, err)
		}
		return fmt.Errorf("%s %s answered %d: %s", method, target, answer.StatusCode, refusal.Error)
	}
	if err := json.NewDecoder(answer.Body).Decode(reply); err != nil {
		return fmt.Errorf("%s %s answered %d with no JSON: %w", method, target, answer.StatusCode, err)
	}
	return nil
}

// postEach posts each body to <endpoint><path> and returns the server's replies.
func postEach(ctx context.Context, endpoint, path string, bodies []json.RawMessage) ([]json.RawMessage, error) {
	replies := []json.RawMessage{}
	for _, body := range bodies {
		var reply json.RawMessage
		if err := control(ctx, endpoint, http.MethodPost, path, body, &reply); err != nil {
			return nil, err
		}
		replies = append(replies, reply)
	}
	return replies, nil
}

// advanceClock moves the server's fake clock: buffers fill up, retries fall due, batches
// are given up on.
func advanceClock(ctx context.Context, endpoint string, seconds float64) error {
	body, err := json.Marshal(map[string]float64{"advance": seconds})
	if err != nil {
		return err
	}
	var reply json.RawMessage
	return control(ctx, endpoint, http.MethodPost, "/_fake/clock", body, &reply)
}

// streamView is what GET /_fake/streams/{name} shows of a delivery stream that these
// programs read; encoding/json decodes its base64 strings into []byte.
type streamView struct {
	Destination     map[string]interface{}   `json:"destination"`
	Delivered       [][]byte                 `json:"delivered"`
	Pending         [][]byte                 `json:"pending"`
	BackedUp        [][]byte                 `json:"backed_up"`
	BackedUpObjects []storedObject           `json:"backed_up_objects"`
	Documents       []map[string]interface{} `json:"documents"`
	Rows            []map[string]interface{} `json:"rows"`
}

type storedObject struct {
	Key  string `json:"key"`
	Body []byte `json:"body"`
}

// failedRecord is one line of an object a destination wrote the records it gave up on to.
type failedRecord struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	AttemptsMade int    `json:"attemptsMade"`
	RawData      []byte `json:"rawData"`
}

// shownStream is a delivery stream as the programs report it: payloads as text, and the
// records its destination gave up on as its S3 bucket received them.
type shownStream struct {
	Destination   map[string]interface{}   `json:"destination"`
	Delivered     []string                 `json:"delivered"`
	Pending       []string                 `json:"pending"`
	BackedUp      []string                 `json:"backedUp"`
	FailedRecords []shownFailure           `json:"failedRecords"`
	Documents     []map[string]interface{} `json:"documents"`
	Rows          []map[string]interface{} `json:"rows"`
}

type shownFailure struct {
	Key          string `json:"key"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	AttemptsMade int    `json:"attemptsMade"`
	RawData      string `json:"rawData"`
}

// showDeliveryStream reads a delivery stream back from the server.
func showDeliveryStream(ctx context.Context, endpoint, name string) (*shownStream, error) {
	var view streamView
	path := "/_fake/streams/" + url.PathEscape(name)
	if err := control(ctx, endpoint, http.MethodGet, path, nil, &view); err != nil {
		return nil, err
	}
	shown := &shownStream{
		Destination:   view.Destination,
		Delivered:     asText(view.Delivered),
		Pending:       asText(view.Pending),
		BackedUp:      asText(view.BackedUp),
		FailedRecords: []shownFailure{},
		Documents:     view.Documents,
		Rows:          view.Rows,
	}
	for _, object := range view.BackedUpObjects {
		lines := json.NewDecoder(bytes.NewReader(object.Body))
		for lines.More() {
			var failed failedRecord
			if err := lines.Decode(&failed); err != nil {
				return nil, fmt.Errorf("a failed record in %s: %w", object.Key, err)
			}
			shown.FailedRecords = append(shown.FailedRecords, shownFailure{
				Key:          object.Key,
				ErrorCode:    failed.ErrorCode,
				ErrorMessage: failed.ErrorMessage,
				AttemptsMade: failed.AttemptsMade,
				RawData:      string(failed.RawData),
			})
		}
	}
	return shown, nil
}

func asText(payloads [][]byte) []string {
	texts := make([]string, len(payloads))
	for position, payload := range payloads {
		texts[position] = string(payload)
	}
	return texts
}
