"""aiobotocore is patched only once it is used: a fake started before aiobotocore is
imported does not import it, and patches it the moment async clients can be made."""

from __future__ import annotations

import pytest
from conftest import python_output

#: In a fresh interpreter: start a fake, check aiobotocore is not imported, then import it
#: and have an async client served by the fake; after the fake stops, nothing is patched.
LATE_ASYNC_CLIENT = """
import asyncio
import sys

from pytest_firehose import FirehoseFake

with FirehoseFake(seed=1) as fake:
    print("imported at start:", "aiobotocore" in sys.modules)
    fake.firehose.create_delivery_stream("events")

    from aiobotocore.endpoint import AioEndpoint
    from aiobotocore.session import AioSession

    patched = AioEndpoint._send

    async def put():
        async with AioSession().create_client("firehose", region_name="us-east-1") as client:
            return await client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})

    answer = asyncio.run(put())
    print("served:", fake.firehose["events"].records == [b"a"], len(answer["RecordId"]))
print("restored:", AioEndpoint._send is not patched)
"""

#: The same, with an aiobotocore whose seams moved (the patch module cannot be imported):
#: importing aiobotocore while the fake is active says what to do.
LATE_UNSERVABLE = """
import sys

from pytest_firehose import FirehoseFake

sys.modules["pytest_firehose._doors.aiobotocore"] = None
with FirehoseFake():
    try:
        import aiobotocore.session
    except Exception as error:
        print(type(error).__name__, "cannot serve aiobotocore" in str(error))
"""


@pytest.mark.aio
def test_a_fake_imports_aiobotocore_only_when_it_is_used() -> None:
    assert python_output(LATE_ASYNC_CLIENT) == [
        "imported at start: False",
        "served: True 224",
        "restored: True",
    ]


@pytest.mark.aio
def test_an_aiobotocore_the_fake_cannot_serve_is_refused_when_it_is_imported() -> None:
    assert python_output(LATE_UNSERVABLE) == ["UsageError True"]
