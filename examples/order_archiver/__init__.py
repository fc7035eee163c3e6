"""A Lambda function behind a Kinesis event source mapping that archives orders to Firehose."""
