"""Lambda as the fake runs it: Python callables with Lambda's ``(event, context)``
signature, invoked with the events AWS builds and a context that reads the fake clock."""
