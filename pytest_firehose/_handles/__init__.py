"""What tests hold: the ``firehose`` and ``kinesis`` handles, stream handles, assertion helpers."""
