package main

// The SDK's configuration as these programs share it, and what they report of its answers.

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// retryDelay is the pause between the SDK's attempts. Its default backoff (jittered,
// growing up to 20 s) really sleeps; this keeps the standard retryer's decisions (which
// errors it retries, how many attempts, its retry quota) but makes the pause short and
// the same every run.
const retryDelay = 10 * time.Millisecond

// defaultMaxAttempts is the SDK's own default (retry.DefaultMaxAttempts), stated here so
// that a job that names none gets what an application would.
const defaultMaxAttempts = retry.DefaultMaxAttempts

// loadConfig is the environment's configuration (credentials, region) with the standard
// retryer making maxAttempts attempts per call.
func loadConfig(ctx context.Context, maxAttempts int) (aws.Config, error) {
	if maxAttempts == 0 {
		maxAttempts = defaultMaxAttempts
	}
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(options *retry.StandardOptions) {
			options.MaxAttempts = maxAttempts
			options.Backoff = retry.BackoffDelayerFunc(
				func(int, error) (time.Duration, error) { return retryDelay, nil },
			)
		})
	}
	return config.LoadDefaultConfig(ctx, config.WithRetryer(retryer))
}

// attempt is one HTTP attempt the SDK made for an API call: the error code it got (null
// when it succeeded) and whether the retryer judged the error worth retrying.
type attempt struct {
	Error     *string `json:"error"`
	Retryable bool    `json:"retryable"`
}

// attempts lists the attempts behind an API call's result or error metadata.
func attempts(metadata middleware.Metadata) []attempt {
	results, _ := retry.GetAttemptResults(metadata)
	listed := make([]attempt, 0, len(results.Results))
	for _, result := range results.Results {
		listed = append(listed, attempt{Retryable: result.Retryable})
		if result.Err != nil {
			code := errorCode(result.Err)
			listed[len(listed)-1].Error = &code
		}
	}
	return listed
}

// requestID is the x-amzn-RequestId of the answer the SDK returned.
func requestID(metadata middleware.Metadata) string {
	id, _ := awsmiddleware.GetRequestIDMetadata(metadata)
	return id
}

// errorCode is the AWS error code inside err, or its text for an error that carries none
// (a dropped connection), or "" for no error.
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var apiError smithy.APIError
	if errors.As(err, &apiError) {
		return apiError.ErrorCode()
	}
	return err.Error()
}

// callError is an API call that failed for good, as the SDK reports it.
type callError struct {
	Code           string `json:"code"`
	Message        string `json:"message"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	// Attempts is the number the retryer made before it gave up (0 when it did not give
	// up on attempts but on an error it does not retry).
	Attempts int `json:"attempts"`
}

func describeError(err error) *callError {
	described := &callError{Code: errorCode(err), Message: err.Error()}
	var apiError smithy.APIError
	if errors.As(err, &apiError) {
		described.Message = apiError.ErrorMessage()
	}
	var responseError *awshttp.ResponseError
	if errors.As(err, &responseError) {
		described.HTTPStatusCode = responseError.HTTPStatusCode()
	}
	var exhausted *retry.MaxAttemptsError
	if errors.As(err, &exhausted) {
		described.Attempts = exhausted.Attempt
	}
	return described
}

// present keeps the fields AWS sent: the SDK's output structs hold nil for the others.
func present(fields map[string]*string) map[string]string {
	kept := map[string]string{}
	for name, value := range fields {
		if value != nil {
			kept[name] = *value
		}
	}
	return kept
}
