"""A worker that takes orders from a Kinesis queue."""

from order_worker.worker import OrderWorker, PollResult

__all__ = ["OrderWorker", "PollResult"]
