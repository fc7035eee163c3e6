"""A Firehose transformation Lambda function that routes order events to Iceberg tables."""
