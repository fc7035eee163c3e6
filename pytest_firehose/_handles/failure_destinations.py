"""Where a Kinesis event source mapping sends the invocation record of a batch it gave up
on: its ``DestinationConfig.OnFailure`` queue (SQS) or topic (SNS), through a plain botocore
client, so whatever stands in for them in the test receives it (moto's ``mock_aws``
answers ahead of the fake). The record is the message's body, as Lambda sends it.

When nothing stands in for the service (the fake's interceptor refuses the request), or
the world's requests leave the process, the records stay on ``trigger.failures`` only, and
an :class:`UnmodelledSettingWarning` says so once. An S3 bucket as the destination is not
modelled: its records stay on ``trigger.failures``, and the trigger warns when it is made.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from pytest_firehose._errors import UnmockedRequestError
from pytest_firehose._services.firehose.settings import UnmodelledSettingWarning

#: One attempt: a refusal is reported at once rather than retried on the fake clock.
_ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})
#: The services whose ARN the fake sends invocation records to.
SENT_TO = ("sqs", "sns")


class FailureDestination:
    """Sends each invocation record to the queue or topic ``arn`` names."""

    def __init__(self, arn: str, contained: Callable[[], bool]) -> None:
        _, _, self.service, self.region, self.account, self.name = arn.split(":", 5)
        self.arn = arn
        self._contained = contained
        self._client: Any = None
        #: Set once a send showed the records cannot reach the destination in this test.
        self.kept_only: str | None = None

    def __call__(self, record: dict[str, Any]) -> None:
        if self.kept_only is not None:
            return
        if not self._contained():
            self._keep("the fake no longer intercepts botocore's requests")
            return
        body = json.dumps(record)
        try:
            if self.service == "sqs":
                self._send_to_queue(body)
            else:
                self._client_for().publish(TopicArn=self.arn, Message=body)
        except UnmockedRequestError:
            self._keep(f"nothing stands in for {self.service.upper()} in this test")
        except (ClientError, BotoCoreError) as error:
            self._keep(f"{self.service.upper()} refused it: {error}")

    def _send_to_queue(self, body: str) -> None:
        client = self._client_for()
        url = client.get_queue_url(QueueName=self.name, QueueOwnerAWSAccountId=self.account)
        client.send_message(QueueUrl=url["QueueUrl"], MessageBody=body)

    def _client_for(self) -> Any:
        if self._client is None:
            session = botocore.session.get_session()
            self._client = session.create_client(
                self.service, region_name=self.region, config=_ONE_ATTEMPT
            )
        return self._client

    def _keep(self, why: str) -> None:
        self.kept_only = why
        warnings.warn(
            UnmodelledSettingWarning(
                f"lambda_trigger(DestinationConfig=...): {why}, so the invocation records "
                f"stay on trigger.failures and do not reach {self.arn} (use moto's mock_aws "
                "with the queue or topic created, to receive them there)."
            ),
            stacklevel=2,
        )
