"""Where a Kinesis event source mapping sends the invocation record of a batch it gave up
on: its ``DestinationConfig.OnFailure`` queue (SQS), topic (SNS) or bucket (S3), through a
plain botocore client, so whatever stands in for them in the test receives it (moto's
``mock_aws`` answers ahead of the fake). The record is the message's body, as Lambda sends
it; to a bucket, an object holding the record and the batch's event (``payload``), keyed
``aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<UUID>`` by the record's
timestamp (DOC, kinesis-on-failure-destination; REAL, LocalStack's AWS-validated snapshot).

When nothing stands in for the service (the fake's interceptor refuses the request), or
the world's requests leave the process, the records stay on ``trigger.failures`` only, and
an :class:`UnmodelledSettingWarning` says so once.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pytest_firehose._destinations.service_clients import service_client
from pytest_firehose._errors import UnmockedRequestError
from pytest_firehose._lambda.kinesis_events import s3_failure_document
from pytest_firehose._services.firehose.settings import UnmodelledSettingWarning


class FailureDestination:
    """Sends each invocation record to the queue, topic or bucket ``arn`` names; a bucket
    (whose ARN names no region) is written in ``region``, keyed under ``mapping_uuid`` with
    ``new_uuid()`` at the end."""

    def __init__(
        self,
        arn: str,
        contained: Callable[[], bool],
        *,
        region: str,
        mapping_uuid: str,
        new_uuid: Callable[[], str],
    ) -> None:
        _, _, self.service, named_region, self.account, self.name = arn.split(":", 5)
        self.region = named_region or region
        self.arn = arn
        self._contained = contained
        self._mapping_uuid = mapping_uuid
        self._new_uuid = new_uuid
        self._client: Any = None
        #: Set once a send showed the records cannot reach the destination in this test.
        self.kept_only: str | None = None

    def __call__(self, record: dict[str, Any], payload: dict[str, Any]) -> None:
        """Send ``record``; ``payload`` is the event of the batch given up on, which only a
        bucket receives."""
        if self.kept_only is not None:
            return
        if not self._contained():
            self._keep("the fake no longer intercepts botocore's requests")
            return
        try:
            if self.service == "sqs":
                self._send_to_queue(json.dumps(record))
            elif self.service == "sns":
                self._client_for().publish(TopicArn=self.arn, Message=json.dumps(record))
            else:
                self._write_object(record, payload)
        except UnmockedRequestError:
            self._keep(f"nothing stands in for {self.service.upper()} in this test")
        except (ClientError, BotoCoreError) as error:
            self._keep(f"{self.service.upper()} refused it: {error}")

    def _send_to_queue(self, body: str) -> None:
        client = self._client_for()
        url = client.get_queue_url(QueueName=self.name, QueueOwnerAWSAccountId=self.account)
        client.send_message(QueueUrl=url["QueueUrl"], MessageBody=body)

    def _write_object(self, record: dict[str, Any], payload: dict[str, Any]) -> None:
        at = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))
        shard_id = record["KinesisBatchInfo"]["shardId"]
        key = (
            f"aws/lambda/{self._mapping_uuid}/{shard_id}/{at:%Y/%m/%d}/"
            f"{at:%Y-%m-%dT%H.%M.%S}-{self._new_uuid()}"
        )
        body = json.dumps(s3_failure_document(record, payload)).encode()
        self._client_for().put_object(Bucket=self.name, Key=key, Body=body)

    def _client_for(self) -> Any:
        if self._client is None:
            self._client = service_client(self.service, self.region)
        return self._client

    def _keep(self, why: str) -> None:
        self.kept_only = why
        warnings.warn(
            UnmodelledSettingWarning(
                f"lambda_trigger(DestinationConfig=...): {why}, so the invocation records "
                f"stay on trigger.failures and do not reach {self.arn} (use moto's mock_aws "
                "with the queue, topic or bucket created, to receive them there)."
            ),
            stacklevel=2,
        )
