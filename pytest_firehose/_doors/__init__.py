"""The doors: every way a request reaches the engine.

In-process botocore and aiobotocore clients, moto's hook, the local HTTP server and its
control API.
"""
