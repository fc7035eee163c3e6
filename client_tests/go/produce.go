package main

// The producer: send a batch (Firehose PutRecordBatch or Kinesis PutRecords), then resend
// only the records that failed, in order, until none is left or the rounds run out.
// Throttled calls are retried by the SDK's own retryer.
//
// Its job:
//
//	service      "firehose" or "kinesis"
//	stream       the delivery stream or data stream name
//	records      payloads, as strings (a Kinesis record's partition key is key-<index>)
//	maxRounds    batches to send at most (default 5)
//	maxAttempts  the SDK's attempts per call (default the SDK's, 3)
//	faults       control API bodies to POST to <endpoint>/_fake/faults first (optional)
//	destination  control API bodies to POST to <endpoint>/_fake/destination first
//	             (optional): a delivery stream's destination down, or refusing records
//	advance      seconds to move the fake clock by once the records are put (optional)
//	show         read the delivery stream back at the end (GET /_fake/streams/{stream})
//
// Its answer: the faults scripted, the destination switches, every round (records sent,
// the per-record results, the SDK's attempts and request id), the records still unsent,
// an error that ended the run and, with show, the stream as the server shows it.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	firehosetypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/middleware"
)

const defaultMaxRounds = 5

type produceJob struct {
	Service     string            `json:"service"`
	Stream      string            `json:"stream"`
	Records     []string          `json:"records"`
	MaxRounds   int               `json:"maxRounds"`
	MaxAttempts int               `json:"maxAttempts"`
	Faults      []json.RawMessage `json:"faults"`
	Destination []json.RawMessage `json:"destination"`
	Advance     float64           `json:"advance"`
	Show        bool              `json:"show"`
}

// pending is a record not yet accepted: its payload and its place in the job.
type pending struct {
	index int
	text  string
}

// batchAnswer is what one batch put answered, whichever the service.
type batchAnswer struct {
	failedCount int32
	entries     []map[string]string
	metadata    middleware.Metadata
}

// batchPut sends one batch to a stream.
type batchPut func(ctx context.Context, stream string, batch []pending) (batchAnswer, error)

type round struct {
	Sent        []string            `json:"sent"`
	FailedCount int32               `json:"failedCount"`
	Entries     []map[string]string `json:"entries"`
	Attempts    []attempt           `json:"attempts"`
	RequestID   string              `json:"requestId"`
}

type produceAnswer struct {
	Scripted []json.RawMessage `json:"scripted"`
	Switched []json.RawMessage `json:"switched"`
	Rounds   []round           `json:"rounds"`
	Unsent   []string          `json:"unsent"`
	Error    *callError        `json:"error"`
	Stream   *shownStream      `json:"stream"`
}

func produce(ctx context.Context, endpoint string, raw []byte) (interface{}, error) {
	var job produceJob
	if err := decodeJob(raw, &job); err != nil {
		return nil, err
	}
	cfg, err := loadConfig(ctx, job.MaxAttempts)
	if err != nil {
		return nil, err
	}
	put, err := batchPutFor(job.Service, cfg, endpoint)
	if err != nil {
		return nil, err
	}
	scripted, err := postEach(ctx, endpoint, "/_fake/faults", job.Faults)
	if err != nil {
		return nil, err
	}
	switched, err := postEach(ctx, endpoint, "/_fake/destination", job.Destination)
	if err != nil {
		return nil, err
	}
	answer := produceAnswer{Scripted: scripted, Switched: switched, Rounds: []round{}}
	left := make([]pending, len(job.Records))
	for index, text := range job.Records {
		left[index] = pending{index: index, text: text}
	}
	maxRounds := job.MaxRounds
	if maxRounds == 0 {
		maxRounds = defaultMaxRounds
	}
	for count := 0; len(left) > 0 && count < maxRounds; count++ {
		result, err := put(ctx, job.Stream, left)
		if err != nil {
			answer.Error = describeError(err)
			break
		}
		answer.Rounds = append(answer.Rounds, round{
			Sent:        texts(left),
			FailedCount: result.failedCount,
			Entries:     result.entries,
			Attempts:    attempts(result.metadata),
			RequestID:   requestID(result.metadata),
		})
		left = failed(left, result.entries)
	}
	answer.Unsent = texts(left)
	if job.Advance > 0 {
		if err := advanceClock(ctx, endpoint, job.Advance); err != nil {
			return nil, err
		}
	}
	if job.Show {
		if answer.Stream, err = showDeliveryStream(ctx, endpoint, job.Stream); err != nil {
			return nil, err
		}
	}
	return answer, nil
}

// failed keeps the records whose entry carries an error code: the ones to resend.
func failed(batch []pending, entries []map[string]string) []pending {
	kept := []pending{}
	for position, record := range batch {
		if _, failed := entries[position]["ErrorCode"]; failed {
			kept = append(kept, record)
		}
	}
	return kept
}

func texts(batch []pending) []string {
	listed := make([]string, len(batch))
	for position, record := range batch {
		listed[position] = record.text
	}
	return listed
}

func batchPutFor(service string, cfg aws.Config, endpoint string) (batchPut, error) {
	switch service {
	case "firehose":
		return firehosePut(firehoseClient(cfg, endpoint)), nil
	case "kinesis":
		return kinesisPut(kinesisClient(cfg, endpoint)), nil
	}
	return nil, fmt.Errorf("the job's service is %q: give firehose or kinesis", service)
}

func firehoseClient(cfg aws.Config, endpoint string) *firehose.Client {
	return firehose.NewFromConfig(cfg, func(options *firehose.Options) {
		options.EndpointResolver = firehose.EndpointResolverFromURL(endpoint)
	})
}

func kinesisClient(cfg aws.Config, endpoint string) *kinesis.Client {
	return kinesis.NewFromConfig(cfg, func(options *kinesis.Options) {
		options.EndpointResolver = kinesis.EndpointResolverFromURL(endpoint)
	})
}

func firehosePut(client *firehose.Client) batchPut {
	return func(ctx context.Context, stream string, batch []pending) (batchAnswer, error) {
		records := make([]firehosetypes.Record, len(batch))
		for position, record := range batch {
			records[position] = firehosetypes.Record{Data: []byte(record.text)}
		}
		output, err := client.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{
			DeliveryStreamName: aws.String(stream),
			Records:            records,
		})
		if err != nil {
			return batchAnswer{}, err
		}
		entries := make([]map[string]string, len(output.RequestResponses))
		for position, entry := range output.RequestResponses {
			entries[position] = present(map[string]*string{
				"RecordId":     entry.RecordId,
				"ErrorCode":    entry.ErrorCode,
				"ErrorMessage": entry.ErrorMessage,
			})
		}
		return batchAnswer{aws.ToInt32(output.FailedPutCount), entries, output.ResultMetadata}, nil
	}
}

func kinesisPut(client *kinesis.Client) batchPut {
	return func(ctx context.Context, stream string, batch []pending) (batchAnswer, error) {
		records := make([]kinesistypes.PutRecordsRequestEntry, len(batch))
		for position, record := range batch {
			records[position] = kinesistypes.PutRecordsRequestEntry{
				Data:         []byte(record.text),
				PartitionKey: aws.String(fmt.Sprintf("key-%d", record.index)),
			}
		}
		output, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{
			StreamName: aws.String(stream),
			Records:    records,
		})
		if err != nil {
			return batchAnswer{}, err
		}
		entries := make([]map[string]string, len(output.Records))
		for position, entry := range output.Records {
			entries[position] = present(map[string]*string{
				"SequenceNumber": entry.SequenceNumber,
				"ShardId":        entry.ShardId,
				"ErrorCode":      entry.ErrorCode,
				"ErrorMessage":   entry.ErrorMessage,
			})
		}
		return batchAnswer{aws.ToInt32(output.FailedRecordCount), entries, output.ResultMetadata}, nil
	}
}
