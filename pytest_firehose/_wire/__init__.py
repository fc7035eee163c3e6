"""The wire: the only place that knows AWS JSON 1.1 framing, routing, shapes and validation."""
