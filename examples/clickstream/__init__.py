"""A Firehose data-transformation Lambda function for click events."""
