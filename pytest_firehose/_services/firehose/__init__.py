"""The Amazon Data Firehose model."""
