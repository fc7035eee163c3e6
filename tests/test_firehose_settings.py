"""Delivery stream settings the fake does not model are reported, never silently ignored;
what DescribeDeliveryStream adds to the ones it echoes; how create options the service or
botocore would refuse are refused."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import BUCKET, REGION, ROLE, create_s3, describe, needs_botocore

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning, UsageError
from pytest_firehose._engine.config import WorldConfig
from pytest_firehose._wire.validation import validate_input

S3 = {"RoleARN": ROLE, "BucketARN": BUCKET}
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:transform"
LAMBDA_PROCESSING = {
    "Enabled": True,
    "Processors": [
        {"Type": "Lambda", "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": LAMBDA}]}
    ],
}
#: A processor the fake does not run yet (a Lambda processor it runs).
DELIMITER = {
    "Enabled": True,
    "Processors": [
        {
            "Type": "AppendDelimiterToRecord",
            "Parameters": [{"ParameterName": "Delimiter", "ParameterValue": ","}],
        }
    ],
}
DESTINATION_ID = "destinationId-000000000001"

#: (configuration parameter, its settings, what the warning must say)
#: Firehose's time zone for keys, newer than the oldest botocore supported.
CUSTOM_TIME_ZONE = "firehose CreateDeliveryStream.ExtendedS3DestinationConfiguration.CustomTimeZone"
UNMODELLED = [
    (
        "ExtendedS3DestinationConfiguration",
        {**S3, "ProcessingConfiguration": DELIMITER},
        r"ExtendedS3DestinationConfiguration\.ProcessingConfiguration \(processors: "
        r"AppendDelimiterToRecord\) is not run: records are delivered as they were put",
    ),
    (
        "ExtendedS3DestinationConfiguration",
        {
            **S3,
            "Prefix": "c=!{partitionKeyFromQuery:c}/",
            "ErrorOutputPrefix": "errors/",
            "BufferingHints": {"SizeInMBs": 64},
            "ProcessingConfiguration": {
                "Processors": [
                    {
                        "Type": "MetadataExtraction",
                        "Parameters": [
                            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{c:.c}"}
                        ],
                    }
                ]
            },
            "DynamicPartitioningConfiguration": {
                "Enabled": True,
                "RetryOptions": {"DurationInSeconds": 60},
            },
        },
        r"RetryOptions is not modelled: .* retried until its records expire, 24 hours after "
        r"they arrived \(read from Kinesis: the source stream's retention period",
    ),
    pytest.param(
        "ExtendedS3DestinationConfiguration",
        {**S3, "CustomTimeZone": "Mars/Olympus_Mons"},
        r"CustomTimeZone Mars/Olympus_Mons is not a zone .* \(pip install tzdata.*use UTC",
        marks=needs_botocore(CUSTOM_TIME_ZONE),
    ),
    (
        "ExtendedS3DestinationConfiguration",
        {
            **S3,
            "Prefix": "logs/!{timestamp:yyyy-M-d-cc}/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/!{timestamp:EEE#}/",
        },
        r"ExtendedS3DestinationConfiguration\.Prefix and ErrorOutputPrefix: "
        r"!\{timestamp:yyyy-M-d-cc\} \(Java's DateTimeFormatter refuses it: Invalid pattern "
        r"\"cc\"\), !\{timestamp:EEE#\} \(Java's DateTimeFormatter refuses it: Pattern includes "
        r"reserved character: '#'\) are not modelled: they are copied into the keys as written",
    ),
    (
        "HttpEndpointDestinationConfiguration",
        {
            "EndpointConfiguration": {"Url": "https://collector.example.com/in"},
            "S3Configuration": {
                **S3,
                "Prefix": "failed/!{timestamp:yyyy/[ww]]}/",
                "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            },
        },
        r"HttpEndpointDestinationConfiguration\.S3Configuration\.Prefix: "
        r"!\{timestamp:yyyy/\[ww\]\]\} \(Java's DateTimeFormatter refuses it: Pattern invalid "
        r"as it contains \] without previous \[\) is not modelled",
    ),
]


@pytest.fixture
def strict() -> Iterator[FirehoseFake]:
    with FirehoseFake(unmodelled="error") as fake:
        yield fake


@pytest.mark.parametrize(("kind", "config", "said"), UNMODELLED)
def test_each_unmodelled_setting_warns_at_the_create_call(
    fake: FirehoseFake, client: Any, kind: str, config: dict[str, Any], said: str
) -> None:
    with pytest.warns(UnmodelledSettingWarning, match=said) as caught:
        client.create_delivery_stream(DeliveryStreamName="events", **{kind: config})

    assert caught[0].filename == __file__  # it points at the code that created the stream
    assert len([w for w in caught if w.category is UnmodelledSettingWarning]) == 1
    assert "events" in fake.firehose  # and the stream is there, as configured


@needs_botocore(CUSTOM_TIME_ZONE)
def test_settings_that_only_change_logging_iam_or_encryption_are_accepted_silently(
    client: Any,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.create_delivery_stream(
            DeliveryStreamName="events",
            ExtendedS3DestinationConfiguration={
                **S3,
                "CloudWatchLoggingOptions": {
                    "Enabled": True,
                    "LogGroupName": "g",
                    "LogStreamName": "S3Delivery",
                },
                "EncryptionConfiguration": {
                    "KMSEncryptionConfig": {
                        "AWSKMSKeyARN": "arn:aws:kms:us-east-1:123456789012:key/k"
                    }
                },
                "ProcessingConfiguration": {"Enabled": False, "Processors": []},
                "DynamicPartitioningConfiguration": {"Enabled": False},
                "DataFormatConversionConfiguration": {"Enabled": False},
                "CompressionFormat": "GZIP",
                "CustomTimeZone": "UTC",
                "Prefix": "logs/!{timestamp:yyyy-MM-dd'T'HH:mm:ss} yy/",
                "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
            },
        )


def test_a_disabled_processing_configuration_is_not_reported_and_runs_nothing(
    fake: FirehoseFake, client: Any
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stream = fake.firehose.create_delivery_stream(
            "events",
            ExtendedS3DestinationConfiguration={
                **S3,
                "ProcessingConfiguration": {**DELIMITER, "Enabled": False},
            },
        )
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    stream.flush()

    assert stream.objects[0].body == b"a"


def test_a_backup_bucket_the_stream_does_not_write_to_is_not_reported(client: Any) -> None:
    backup = {
        **S3,
        "Prefix": "raw/!{timestamp:yyyy-M-d-cc}/",
        "ErrorOutputPrefix": "raw-errors/!{firehose:error-output-type}/",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.create_delivery_stream(
            DeliveryStreamName="events",
            ExtendedS3DestinationConfiguration={
                **S3,
                "S3BackupMode": "Disabled",
                "S3BackupConfiguration": backup,
            },
        )


@needs_botocore(CUSTOM_TIME_ZONE)
def test_an_update_warns_for_what_it_adds_only(fake: FirehoseFake, client: Any) -> None:
    with pytest.warns(UnmodelledSettingWarning, match="CustomTimeZone"):
        create_s3(client, CustomTimeZone="Mars/Olympus_Mons")

    with pytest.warns(UnmodelledSettingWarning) as caught:
        client.update_destination(
            DeliveryStreamName="events",
            CurrentDeliveryStreamVersionId="1",
            DestinationId=DESTINATION_ID,
            ExtendedS3DestinationUpdate={"ProcessingConfiguration": DELIMITER},
        )

    assert [str(w.message).split(" ")[0] for w in caught] == [
        "ExtendedS3DestinationConfiguration.ProcessingConfiguration"
    ]
    assert fake.firehose["events"].describe()["VersionId"] == "2"


def test_strict_refuses_the_create_and_creates_nothing(strict: FirehoseFake) -> None:
    client = boto3.client("firehose", region_name=REGION)

    with pytest.raises(ClientError) as caught:
        create_s3(client, ProcessingConfiguration=DELIMITER)

    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidArgumentException"
    assert "ExtendedS3DestinationConfiguration.ProcessingConfiguration" in error["Message"]
    assert "unmodelled='error'" in error["Message"]
    assert "events" not in strict.firehose


def test_strict_refuses_an_update_and_changes_nothing(strict: FirehoseFake) -> None:
    client = boto3.client("firehose", region_name=REGION)
    create_s3(client)

    with pytest.raises(
        ClientError, match=r"ProcessingConfiguration \(processors: AppendDelimiterToRecord"
    ):
        client.update_destination(
            DeliveryStreamName="events",
            CurrentDeliveryStreamVersionId="1",
            DestinationId=DESTINATION_ID,
            ExtendedS3DestinationUpdate={"ProcessingConfiguration": DELIMITER},
        )

    description = strict.firehose["events"].describe()
    assert description["VersionId"] == "1"
    assert "AppendDelimiterToRecord" not in str(description)


def test_strict_through_the_handle_is_a_usage_error_naming_the_setting(
    strict: FirehoseFake,
) -> None:
    with pytest.raises(UsageError, match=r"\(processors: AppendDelimiterToRecord\) is not run"):
        strict.firehose.create_delivery_stream(
            "events",
            ExtendedS3DestinationConfiguration={**S3, "ProcessingConfiguration": DELIMITER},
        )


def test_the_unmodelled_setting_takes_warn_or_error_only() -> None:
    with pytest.raises(UsageError, match="unmodelled must be 'warn' or 'error'"):
        WorldConfig(unmodelled="ignore")


def test_the_ini_option_makes_unmodelled_settings_refused(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfirehose_unmodelled = error\n")
    pytester.makepyfile(
        f"""
        import boto3, pytest
        from botocore.exceptions import ClientError

        def test_refused(firehose):
            client = boto3.client("firehose", region_name="us-east-1")
            with pytest.raises(ClientError, match="InvalidArgumentException"):
                client.create_delivery_stream(
                    DeliveryStreamName="s",
                    ExtendedS3DestinationConfiguration={{
                        "RoleARN": "{ROLE}", "BucketARN": "{BUCKET}",
                        "ProcessingConfiguration": {{"Processors": [{{
                            "Type": "AppendDelimiterToRecord",
                            "Parameters": [{{"ParameterName": "Delimiter", "ParameterValue": "x"}}],
                        }}]}},
                    }},
                )
        """
    )
    pytester.runpytest("-p", "firehose").assert_outcomes(passed=1)


def test_a_bad_ini_value_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfirehose_unmodelled = loud\n")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("-p", "firehose")
    result.stderr.fnmatch_lines(["*unmodelled must be 'warn' or 'error'*"])


# --------------------------------------------------------------------------- describe defaults


def test_a_lambda_processor_is_described_with_the_defaults_aws_adds(api: Any) -> None:
    create_s3(api, ProcessingConfiguration=LAMBDA_PROCESSING)

    extended = describe(api)["Destinations"][0]["ExtendedS3DestinationDescription"]
    (processor,) = extended["ProcessingConfiguration"]["Processors"]
    assert processor["Parameters"] == [
        {"ParameterName": "LambdaArn", "ParameterValue": LAMBDA},
        {"ParameterName": "NumberOfRetries", "ParameterValue": "3"},
        {"ParameterName": "RoleArn", "ParameterValue": ROLE},
        {"ParameterName": "BufferSizeInMBs", "ParameterValue": "1"},
        {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "60"},
    ]


def test_given_lambda_parameters_are_kept(api: Any) -> None:
    given = [
        {"ParameterName": "LambdaArn", "ParameterValue": LAMBDA},
        {"ParameterName": "NumberOfRetries", "ParameterValue": "0"},
        {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "900"},
    ]
    processing = {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": given}]}
    create_s3(api, ProcessingConfiguration=processing)

    extended = describe(api)["Destinations"][0]["ExtendedS3DestinationDescription"]
    parameters = extended["ProcessingConfiguration"]["Processors"][0]["Parameters"]
    values = {p["ParameterName"]: p["ParameterValue"] for p in parameters}
    assert values == {
        "LambdaArn": LAMBDA,
        "NumberOfRetries": "0",
        "BufferIntervalInSeconds": "900",
        "RoleArn": ROLE,
        "BufferSizeInMBs": "1",
    }


def test_dynamic_partitioning_is_described_with_its_default_retry(api: Any) -> None:
    query = {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{c: .c}"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        create_s3(
            api,
            Prefix="c=!{partitionKeyFromQuery:c}/",
            ErrorOutputPrefix="errors/",
            BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 60},
            ProcessingConfiguration={
                "Enabled": True,
                "Processors": [{"Type": "MetadataExtraction", "Parameters": [query]}],
            },
            DynamicPartitioningConfiguration={"Enabled": True},
        )

    extended = describe(api)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["DynamicPartitioningConfiguration"] == {
        "Enabled": True,
        "RetryOptions": {"DurationInSeconds": 300},
    }


# --------------------------------------------------------------------------- UpdateDestination


def test_an_extended_update_merges_into_a_plain_s3_destination(
    fake: FirehoseFake, api: Any
) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", S3DestinationConfiguration=S3)

    api.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId=DESTINATION_ID,
        ExtendedS3DestinationUpdate={"Prefix": "late/"},
    )

    extended = describe(api)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert (extended["RoleARN"], extended["BucketARN"], extended["Prefix"]) == (
        ROLE,
        BUCKET,
        "late/",
    )


def test_switching_destination_type_must_give_what_the_new_type_requires(client: Any) -> None:
    client.create_delivery_stream(DeliveryStreamName="events")

    with pytest.raises(ClientError) as caught:
        client.update_destination(
            DeliveryStreamName="events",
            CurrentDeliveryStreamVersionId="1",
            DestinationId=DESTINATION_ID,
            ExtendedS3DestinationUpdate={"Prefix": "late/"},
        )

    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidArgumentException"
    assert error["Message"].startswith("RoleARN, BucketARN must be specified")
    describe(client)  # still describable


# --------------------------------------------------------------------------- create options


def test_an_unknown_create_option_is_refused_as_botocore_would(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError, match=r'Unknown parameter in input: "Bogus"'):
        fake.firehose.create_delivery_stream("s", Bogus=1)

    assert "s" not in fake.firehose


def test_a_wrong_typed_create_option_is_refused_as_botocore_would(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError, match=r"Invalid type for parameter ExtendedS3Destination"):
        fake.firehose.create_delivery_stream(
            "s", ExtendedS3DestinationConfiguration={**S3, "BufferingHints": {"SizeInMBs": "5"}}
        )


def test_validation_of_untyped_parameters_is_a_usage_error_not_a_type_error() -> None:
    with pytest.raises(UsageError, match=r"Invalid type for parameter DeliveryStreamName"):
        validate_input("firehose", "CreateDeliveryStream", {"DeliveryStreamName": 5})
