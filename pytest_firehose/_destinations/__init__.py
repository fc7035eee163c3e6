"""Where delivered objects go: the delivery pipeline, memory, S3 and HTTP endpoint destinations."""
