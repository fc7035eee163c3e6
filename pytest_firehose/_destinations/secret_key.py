"""The access key an HTTP endpoint destination reads from AWS Secrets Manager, when its
``SecretsManagerConfiguration`` is enabled: the secret's ``api_key``, sent as the
``X-Amz-Firehose-Access-Key`` header in place of ``EndpointConfiguration.AccessKey``.

A secret the test registered in the stream's Region (``firehose.secret(...)``, ``POST
/_fake/secret``) is read first, as Glue tables a test registers are; else the secret is
read with GetSecretValue through a plain botocore client in the stream's Region (the API
reference: the secret "must be in the same region as the Firehose stream"), so whatever
stands in for Secrets Manager in the test answers it: moto's ``mock_aws``, as for S3 and
Glue. It is kept for 10 minutes of fake time, then read again
("It refreshes the cache every 10 minutes"): a rotated secret is sent from the first
delivery 10 minutes after the last read on.

A secret that cannot be read (nothing stands in for Secrets Manager, it answers with an
error, the secret is not a JSON object with a string ``api_key``) fails the attempt as
:class:`SecretUnreadable`, retried and backed up as any failed HTTP delivery. Its
``message`` is what Firehose records (a backup's ``errorMessage``); ``str()`` adds what
the test can do about it, for the fake's own failure messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pytest_firehose._destinations.base import DeliveryFailed
from pytest_firehose._destinations.service_clients import service_client
from pytest_firehose._errors import UnmockedRequestError

#: The developer guide: Firehose "refreshes the cache every 10 minutes".
REFRESH = timedelta(minutes=10)
#: The developer guide's secret format for an HTTP endpoint: ``{"api_key": "<apikey>"}``.
API_KEY = "api_key"
#: What Firehose names an attempt that could not read the secret, or read one that is not
#: in the destination's format (neither is on record; docs/fidelity.md).
NOT_RETRIEVED = "HttpEndpoint.SecretRetrievalFailed"
INVALID_SECRET = "HttpEndpoint.InvalidSecretFormat"
#: Secrets Manager's answer to a GetSecretValue of a secret it does not hold.
NOT_FOUND = ("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")


class SecretUnreadable(DeliveryFailed):
    """An attempt failed because the destination's secret could not be used: ``message``
    and ``code`` as Firehose records them; ``advice`` says what the test can do about it
    (shown by ``str()``, never written where AWS writes)."""

    def __init__(self, message: str, code: str, advice: str = "") -> None:
        super().__init__(message, code)
        self.message = message
        self.advice = advice

    def __str__(self) -> str:
        return f"{self.message} [pytest-firehose: {self.advice}]" if self.advice else self.message


def recorded_message(failure: DeliveryFailed) -> str:
    """The message Firehose records for ``failure`` (without the fake's advice)."""
    return failure.message if isinstance(failure, SecretUnreadable) else str(failure)


def _name(secret_arn: str) -> str:
    return secret_arn.split(":secret:", 1)[-1] or "NAME"


def _example(secret_arn: str) -> str:
    return (
        f'boto3.client("secretsmanager").create_secret(Name={_name(secret_arn)!r}, '
        'SecretString=json.dumps({"api_key": "..."}))'
    )


def _register(secret_arn: str) -> str:
    """The calls that register the secret ``secret_arn`` names, in Python and over HTTP."""
    body = json.dumps({"secret": secret_arn or "NAME", "value": {API_KEY: "..."}})
    return (
        f'firehose.secret({(secret_arn or "NAME")!r}, {{"api_key": "..."}}) '
        f"(from another language: POST /_fake/secret with {body})"
    )


class SecretKey:
    """The ``api_key`` of the secret a ``SecretsManagerConfiguration`` names, read in
    ``region`` at most once per :data:`REFRESH` of fake time."""

    def __init__(self, config: dict[str, Any], region: str, contained: Callable[[], bool]) -> None:
        self.secret_arn: str = config.get("SecretARN") or ""
        self.region = region
        #: Whether botocore's requests stay in the process now (see ``destination_for``).
        self._contained = contained
        self._client: Any = None
        #: The SecretString of the registered secret a SecretId finds, read ahead of Secrets
        #: Manager (None: none is registered); the service hands its own.
        self.registered: Callable[[str], str | None] = lambda secret_id: None
        #: The key last read, and the fake time it was read at.
        self._key: str | None = None
        self._read_at: datetime | None = None

    def api_key(self, at: datetime) -> str:
        """The key to send at ``at``: the one read less than 10 minutes before, else the
        secret's ``api_key`` now. Raises :class:`SecretUnreadable` when it cannot be read
        (a failure is not kept: the next attempt reads again)."""
        if self._key is not None and self._read_at is not None and at - self._read_at < REFRESH:
            return self._key
        key = self._read()
        self._key, self._read_at = key, at
        return key

    def _secrets_manager(self) -> Any:
        if self._client is None:
            self._client = service_client("secretsmanager", self.region)
        return self._client

    def _not_retrieved(self, code: str, message: str, advice: str = "") -> SecretUnreadable:
        return SecretUnreadable(
            f"Firehose could not retrieve the secret {self.secret_arn} from AWS Secrets "
            f"Manager: {code}: {message} Make sure the secret exists in the Firehose stream's "
            "Region and that Firehose's role is allowed secretsmanager:GetSecretValue on it "
            "and kms:Decrypt with its key.",
            NOT_RETRIEVED,
            advice,
        )

    def _read(self) -> str:
        arn = self.secret_arn
        if not arn:
            raise self._not_retrieved(
                "InvalidParameterException",
                "You must provide a SecretId.",
                "SecretsManagerConfiguration is enabled without a SecretARN",
            )
        registered = self.registered(arn)
        if registered is not None:
            return self._api_key(registered)
        if not self._contained():  # no fake's interceptor: the request would leave
            raise self._not_retrieved(
                *NOT_FOUND,
                "no secret of that ARN is registered in the stream's Region "
                f"({self.region}), and no fake intercepts botocore's requests in this "
                "process (the fake has stopped, or this is `python -m pytest_firehose "
                "serve`), so nothing stands in for AWS Secrets Manager: register the secret "
                f"with {_register(arn)}, or give the key as EndpointConfiguration.AccessKey",
            )
        try:
            answer = self._secrets_manager().get_secret_value(SecretId=arn)
        except UnmockedRequestError:
            unmocked = (
                "nothing in this test stands in for AWS Secrets Manager, so the secret "
                f"SecretsManagerConfiguration.SecretARN names ({arn}) cannot be read. Register "
                f"it before the delivery with {_register(arn)}, or start moto's mock_aws() and "
                f"create it in {self.region}, e.g. {_example(arn)}"
            )
            raise self._not_retrieved(*NOT_FOUND, unmocked) from None
        except ClientError as error:
            found = error.response.get("Error", {})
            code = found.get("Code", "InternalServiceError")
            advice = (
                f"neither the test's registered secrets nor whatever stands in for Secrets "
                f"Manager hold a secret {arn} in {self.region}: register it with "
                f"{_register(arn)}, or create it there before the delivery, e.g. "
                f"{_example(arn)}"
                if code == NOT_FOUND[0]
                else ""
            )
            raise self._not_retrieved(code, found.get("Message", ""), advice) from None
        except BotoCoreError as error:
            raise self._not_retrieved("InternalServiceError", str(error)) from None
        return self._api_key(answer.get("SecretString"))

    def _api_key(self, text: str | None) -> str:
        """The ``api_key`` of the secret's ``text``; SecretUnreadable unless it is a JSON
        object with a string ``api_key``."""
        try:
            secret = json.loads(text) if text is not None else None
        except ValueError:
            secret = None
        key = secret.get(API_KEY) if isinstance(secret, dict) else None
        if isinstance(key, str):
            return key
        if text is None:
            held = "holds SecretBinary, not a SecretString"
        elif not isinstance(secret, dict):
            held = "is not a JSON object"
        else:
            held = f"has no string {API_KEY!r}"
        raise SecretUnreadable(
            f"The secret {self.secret_arn} is not in the format Firehose expects for an HTTP "
            'endpoint destination: a JSON object {"api_key": "<apikey>"}. Update the secret '
            "in AWS Secrets Manager.",
            INVALID_SECRET,
            f"its current value {held}",
        )
