"""The engine: one world's state, one request's pipeline, the call log and the fault script."""
