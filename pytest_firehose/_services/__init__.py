"""The service models: Firehose and Kinesis Data Streams, with no HTTP, pytest or
destination code."""
