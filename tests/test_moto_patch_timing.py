"""moto imported after a fake started still leaves the fake's services to the fake: its
``before-send`` hook is told to pass them on the moment moto's module holding it runs."""

from __future__ import annotations

from conftest import python_output

#: In a fresh interpreter: start a fake, check moto is not imported, then import moto and,
#: inside ``mock_aws``, put to Firehose (the fake must answer) and use S3 (moto must).
#: After the fake stops, moto's hook is itself again.
LATE_MOTO = """
import sys

import boto3

from pytest_firehose import FirehoseFake

with FirehoseFake(seed=1) as fake:
    print("imported at start:", "moto" in sys.modules)
    fake.firehose.create_delivery_stream("events")

    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber

    patched = BotocoreStubber.__call__
    with mock_aws():
        firehose = boto3.client("firehose", region_name="us-east-1")
        answer = firehose.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="moto-keeps-s3")
        buckets = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    print("served:", fake.firehose["events"].records == [b"a"], len(answer["RecordId"]))
    print("moto kept:", buckets)
print("restored:", BotocoreStubber.__call__ is not patched)
"""


def test_moto_imported_after_the_fake_started_leaves_firehose_to_the_fake() -> None:
    assert python_output(LATE_MOTO) == [
        "imported at start: False",
        "served: True 224",
        "moto kept: ['moto-keeps-s3']",
        "restored: True",
    ]
