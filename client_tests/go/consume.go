package main

// The consumer: list a Kinesis stream's shards (ListShards), then read each from its
// oldest record (GetShardIterator at TRIM_HORIZON, then GetRecords with each answer's
// NextShardIterator) until it is caught up (an empty answer 0 ms behind the tip) or, for a
// closed shard, at its end (no next iterator). Throttled calls are retried by the SDK.
//
// Its job:
//
//	stream       the data stream name
//	limit        GetRecords' Limit (default none: the service's 10,000)
//	maxCalls     GetRecords calls per shard at most (default 100); a shard not read by
//	             then fails the run, rather than loop forever against a broken server
//	maxAttempts  the SDK's attempts per call (default the SDK's, 3)
//	faults       control API bodies to POST to <endpoint>/_fake/faults first (optional)
//
// Its answer: the faults scripted and, per shard in ListShards' order, the records read
// and every GetRecords call (records it returned, MillisBehindLatest, the SDK's attempts);
// an error that ended the run.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const defaultMaxCalls = 100

type consumeJob struct {
	Stream      string            `json:"stream"`
	Limit       int32             `json:"limit"`
	MaxCalls    int               `json:"maxCalls"`
	MaxAttempts int               `json:"maxAttempts"`
	Faults      []json.RawMessage `json:"faults"`
}

type recordRead struct {
	Data           string `json:"data"`
	PartitionKey   string `json:"partitionKey"`
	SequenceNumber string `json:"sequenceNumber"`
}

type getRecordsCall struct {
	Records            int       `json:"records"`
	MillisBehindLatest int64     `json:"millisBehindLatest"`
	Attempts           []attempt `json:"attempts"`
}

type shardRead struct {
	ShardID string           `json:"shardId"`
	Records []recordRead     `json:"records"`
	Calls   []getRecordsCall `json:"calls"`
	// Closed is true when GetRecords gave no next iterator: the shard's end was read.
	Closed bool `json:"closed"`
}

type consumeAnswer struct {
	Scripted []json.RawMessage `json:"scripted"`
	Shards   []shardRead       `json:"shards"`
	Error    *callError        `json:"error"`
}

// reader reads one stream with the job's settings.
type reader struct {
	client *kinesis.Client
	job    consumeJob
}

func consume(ctx context.Context, endpoint string, raw []byte) (interface{}, error) {
	job := consumeJob{MaxCalls: defaultMaxCalls}
	if err := decodeJob(raw, &job); err != nil {
		return nil, err
	}
	if job.MaxCalls < 1 {
		return nil, fmt.Errorf("the job's maxCalls is %d: give 1 or more", job.MaxCalls)
	}
	cfg, err := loadConfig(ctx, job.MaxAttempts)
	if err != nil {
		return nil, err
	}
	scripted, err := postEach(ctx, endpoint, "/_fake/faults", job.Faults)
	if err != nil {
		return nil, err
	}
	answer := consumeAnswer{Scripted: scripted, Shards: []shardRead{}}
	stream := reader{client: kinesisClient(cfg, endpoint), job: job}
	shards, err := stream.shards(ctx)
	if err != nil {
		answer.Error = describeError(err)
		return answer, nil
	}
	for _, shard := range shards {
		read, err := stream.readShard(ctx, shard)
		var unended *unendedShard
		if errors.As(err, &unended) {
			return nil, err
		}
		if err != nil {
			answer.Error = describeError(err)
			break
		}
		answer.Shards = append(answer.Shards, read)
	}
	return answer, nil
}

// shards lists the stream's shard ids, following ListShards' NextToken.
func (r reader) shards(ctx context.Context) ([]string, error) {
	ids := []string{}
	input := &kinesis.ListShardsInput{StreamName: aws.String(r.job.Stream)}
	for {
		output, err := r.client.ListShards(ctx, input)
		if err != nil {
			return nil, err
		}
		for _, shard := range output.Shards {
			ids = append(ids, aws.ToString(shard.ShardId))
		}
		if output.NextToken == nil {
			return ids, nil
		}
		// A request with NextToken names no stream: AWS refuses both together.
		input = &kinesis.ListShardsInput{NextToken: output.NextToken}
	}
}

func (r reader) readShard(ctx context.Context, shardID string) (shardRead, error) {
	read := shardRead{ShardID: shardID, Records: []recordRead{}, Calls: []getRecordsCall{}}
	started, err := r.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName:        aws.String(r.job.Stream),
		ShardId:           aws.String(shardID),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return read, err
	}
	iterator := started.ShardIterator
	for len(read.Calls) < r.job.MaxCalls {
		input := &kinesis.GetRecordsInput{ShardIterator: iterator}
		if r.job.Limit != 0 {
			input.Limit = aws.Int32(r.job.Limit)
		}
		output, err := r.client.GetRecords(ctx, input)
		if err != nil {
			return read, err
		}
		behind := aws.ToInt64(output.MillisBehindLatest)
		read.Calls = append(read.Calls, getRecordsCall{
			Records:            len(output.Records),
			MillisBehindLatest: behind,
			Attempts:           attempts(output.ResultMetadata),
		})
		for _, record := range output.Records {
			read.Records = append(read.Records, recordRead{
				Data:           string(record.Data),
				PartitionKey:   aws.ToString(record.PartitionKey),
				SequenceNumber: aws.ToString(record.SequenceNumber),
			})
		}
		iterator = output.NextShardIterator
		if iterator == nil {
			read.Closed = true
			return read, nil
		}
		if len(output.Records) == 0 && behind == 0 {
			return read, nil
		}
	}
	return read, &unendedShard{shardID: shardID, calls: len(read.Calls)}
}

// unendedShard is a shard still being read when the job's maxCalls ran out: a failure of
// the run, not an answer of the service.
type unendedShard struct {
	shardID string
	calls   int
}

func (u *unendedShard) Error() string {
	return fmt.Sprintf(
		"shard %s was still being read after %d GetRecords calls: raise the job's maxCalls",
		u.shardID, u.calls,
	)
}
