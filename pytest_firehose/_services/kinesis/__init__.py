"""The Kinesis Data Streams model."""
