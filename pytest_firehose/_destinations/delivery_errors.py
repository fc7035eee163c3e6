"""The errors the destinations the fake stores (OpenSearch Service, Elasticsearch, OpenSearch
Serverless, Splunk, Snowflake, Iceberg) name in the records Firehose writes for them to the
``S3Configuration`` bucket: each destination's error output type, the codes (with their
messages) a whole delivery can fail with (``destination_down(error=...)``, the first being
the default), and the codes a destination can refuse single records with
(``destination_refuses(...)``), with whether Firehose retries such a refusal. A Redshift
destination has its delivery codes too (its failed COPYs name them); it writes no failed
records, only the manifests of the batches it skipped.

Sources (docs/fidelity.md): the developer guide's "Handle data delivery failures" and its
list of Splunk data delivery errors, codes and messages, which are AWS's. For OpenSearch the
guide says a failed document names "the http error code returned by OpenSearch" and its
error message: the statuses are the bulk API's, and the messages are the fake's own, in the
shape OpenSearch answers with. Snowflake's ``Snowflake.InvalidColumns`` and its message are
the guide's example; its other row codes, and ``Snowflake.DefaultRoleMissing`` and
``Snowflake.InvalidTableType`` for a whole delivery, are those "Troubleshooting Snowflake"
lists (their messages here are the fake's, after the guide's explanations, for
``destination_refuses``; a declared table's refusals name Snowpipe Streaming's own, see
``snowflake_tables.py``); Firehose does not
retry those two ("if delivery fails due to an incorrect role, table, or database, Firehose
doesn't retry and writes the data to your S3 bucket"); the codes for an endpoint that
cannot be reached (``OS.ConnectionFailed``, ``Snowflake.ConnectionFailed``,
``Iceberg.ConnectionFailed``) are the fake's choice, as none is on record. Redshift's codes
and messages are the guide's list of Amazon Redshift data delivery errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPENSEARCH = (
    "AmazonopensearchserviceDestinationConfiguration",
    "ElasticsearchDestinationConfiguration",
)
SERVERLESS = "AmazonOpenSearchServerlessDestinationConfiguration"
SPLUNK = "SplunkDestinationConfiguration"
SNOWFLAKE = "SnowflakeDestinationConfiguration"
ICEBERG = "IcebergDestinationConfiguration"
REDSHIFT = "RedshiftDestinationConfiguration"
#: The code of an acknowledgement Splunk did not send in time: each attempt that ends in it
#: waits ``HECAcknowledgmentTimeoutInSeconds`` first.
ACK_TIMEOUT = "Splunk.AckTimeout"


@dataclass(frozen=True)
class DestinationErrors:
    """One destination's errors (see the module)."""

    #: What its users call it, in messages.
    name: str
    #: The error output type its failed records are written under.
    output_type: str
    #: Code -> message of a delivery that failed as a whole; the first is the default.
    down: dict[str, str]
    #: Code -> message of a single record the destination refused; the first is the
    #: default. Empty: no such refusal is on record for the destination.
    refusals: dict[str, str] = field(default_factory=dict)
    #: The refusal codes Firehose retries within ``RetryOptions`` (OpenSearch's 429); a
    #: record refused with another is written to the bucket at once (Snowflake: "doesn't
    #: attempt to deliver it again").
    retried_refusals: frozenset[str] = frozenset()
    #: The codes of ``down`` Firehose does not retry: a delivery failing with one is written
    #: to the bucket at once (Snowflake's "incorrect role, table, or database").
    down_not_retried: frozenset[str] = frozenset()
    #: How single records fail on their own instead, where they do (Iceberg's, a Splunk
    #: Event endpoint's), for messages; ``{glue_table}`` stands for the call that registers
    #: a Glue table, named in the caller's terms where the message is raised.
    alone: str = ""


def _opensearch_error(kind: str, reason: str) -> str:
    """A bulk item's error as OpenSearch answers it (``{"type":...,"reason":...}``)."""
    return f'{{"type":"{kind}","reason":"{reason}"}}'


_OPENSEARCH_DOWN = {
    "OS.ConnectionFailed": "Firehose could not connect to the OpenSearch endpoint.",
    "403": _opensearch_error(
        "security_exception", "no permissions for [indices:data/write/bulk] and User [firehose]"
    ),
    "500": _opensearch_error("exception", "Internal server error"),
    "503": _opensearch_error("cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE];"),
}
_OPENSEARCH_REFUSALS = {
    "400": _opensearch_error("mapper_parsing_exception", "failed to parse"),
    "409": _opensearch_error("version_conflict_engine_exception", "document already exists"),
    "429": _opensearch_error(
        "rejected_execution_exception", "rejected execution of coordinating operation"
    ),
}

#: The developer guide's Splunk data delivery errors, in its order but the default first.
_SPLUNK_DOWN = {
    "Splunk.ConnectionTimeout": (
        "The connection to Splunk timed out. This might be a transient error and the request "
        "will be retried. Kinesis Data Firehose backs up the data to Amazon S3 if all retries "
        "fail."
    ),
    "Splunk.ProxyWithoutStickySessions": (
        "If you have a proxy (ELB or other) between Kinesis Data Firehose and the HEC node, "
        "you must enable sticky sessions to support HEC ACKs."
    ),
    "Splunk.DisabledToken": (
        "The HEC token is disabled. Enable the token to allow data delivery to Splunk."
    ),
    "Splunk.InvalidToken": (
        "The HEC token is invalid. Update Kinesis Data Firehose with a valid HEC token."
    ),
    "Splunk.InvalidDataFormat": (
        "The data is not formatted correctly. To see how to properly format data for Raw or "
        "Event HEC endpoints, see Splunk Event Data."
    ),
    "Splunk.InvalidIndex": (
        "The HEC token or input is configured with an invalid index. Check your index "
        "configuration and try again."
    ),
    "Splunk.ServerError": (
        "Data delivery to Splunk failed due to a server error from the HEC node. Kinesis "
        "Data Firehose will retry sending the data if the retry duration in your Kinesis Data "
        "Firehose is greater than 0. If all the retries fail, Kinesis Data Firehose backs up "
        "the data to Amazon S3."
    ),
    "Splunk.DisabledAck": (
        "Indexer acknowledgement is disabled for the HEC token. Enable indexer "
        "acknowledgement and try again. For more info, see Enable indexer acknowledgement."
    ),
    "Splunk.AckTimeout": (
        "Did not receive an acknowledgement from HEC before the HEC acknowledgement timeout "
        "expired. Despite the acknowledgement timeout, it's possible the data was indexed "
        "successfully in Splunk. Kinesis Data Firehose backs up in Amazon S3 data for which "
        "the acknowledgement timeout expired."
    ),
    "Splunk.MaxRetriesFailed": (
        "Failed to deliver data to Splunk or to receive acknowledgment. Check your HEC health "
        "and try again."
    ),
    "Splunk.InvalidEndpoint": (
        "Could not connect to the HEC endpoint. Make sure that the HEC endpoint URL is valid "
        "and reachable from Kinesis Data Firehose."
    ),
    "Splunk.ConnectionClosed": (
        "Unable to send data to Splunk due to a connection failure. This might be a transient "
        "error. Increasing the retry duration in your Kinesis Data Firehose configuration "
        "might guard against such transient failures."
    ),
    "Splunk.SSLUnverified": (
        "Could not connect to the HEC endpoint. The host does not match the certificate "
        "provided by the peer. Make sure that the certificate and the host are valid."
    ),
    "Splunk.SSLHandshake": (
        "Could not connect to the HEC endpoint. Make sure that the certificate and the host "
        "are valid."
    ),
}

#: The developer guide's Amazon Redshift data delivery errors, in its order but the default
#: first (``InternalError``, which every destination shares, left out).
_REDSHIFT_DOWN = {
    "Redshift.ConnectionFailed": (
        "The connection to the specified Amazon Redshift cluster failed. Ensure that security "
        "settings allow Kinesis Data Firehose connections, that the cluster or database "
        "specified in the Amazon Redshift destination configuration or JDBC URL is correct, "
        "and that the cluster is available."
    ),
    "Redshift.TableNotFound": (
        "The table to which to load data was not found. Ensure that the specified table exists."
    ),
    "Redshift.SyntaxError": "The COPY command contains a syntax error. Retry the command.",
    "Redshift.AuthenticationFailed": (
        "The provided user name and password failed authentication. Provide a valid user name "
        "and password."
    ),
    "Redshift.AccessDenied": (
        "Access was denied. Ensure that the trust policy for the provided IAM role allows "
        "Kinesis Data Firehose to assume the role."
    ),
    "Redshift.S3BucketAccessDenied": (
        "The COPY command was unable to access the S3 bucket. Ensure that the access policy for "
        "the provided IAM role allows access to the S3 bucket."
    ),
    "Redshift.DataLoadFailed": (
        "Loading data into the table failed. Check STL_LOAD_ERRORS system table for details."
    ),
    "Redshift.ColumnNotFound": (
        "A column in the COPY command does not exist in the table. Specify a valid column name."
    ),
    "Redshift.DatabaseNotFound": (
        "The database specified in the Amazon Redshift destination configuration or JDBC URL "
        "was not found. Specify a valid database name."
    ),
    "Redshift.IncorrectCopyOptions": (
        "Conflicting or redundant COPY options were provided. Some options are not compatible "
        "in certain combinations. Check the COPY command reference for more info."
    ),
    "Redshift.MissingColumn": (
        "There is a column defined in the table schema as NOT NULL without a DEFAULT value and "
        "not included in the column list. Exclude this column, ensure that the loaded data "
        "always provides a value for this column, or add a default value to the Amazon "
        "Redshift schema for this table."
    ),
    "Redshift.ColumnMismatch": (
        "The number of jsonpaths in the COPY command and the number of columns in the "
        "destination table should match. Retry the command."
    ),
    "Redshift.IncorrectOrMissingRegion": (
        "Amazon Redshift attempted to use the wrong region endpoint for accessing the S3 "
        "bucket. Either specify a correct region value in the COPY command options or ensure "
        "that the S3 bucket is in the same region as the Amazon Redshift database."
    ),
    "Redshift.IncorrectJsonPathsFile": (
        "The provided jsonpaths file is not in a supported JSON format. Retry the command."
    ),
    "Redshift.MissingS3File": (
        "One or more S3 files required by Amazon Redshift have been removed from the S3 "
        "bucket. Check the S3 bucket policies to remove any automatic deletion of S3 files."
    ),
    "Redshift.InsufficientPrivilege": (
        "The user does not have permissions to load data into the table. Check the Amazon "
        "Redshift user permissions for the INSERT privilege."
    ),
    "Redshift.ReadOnlyCluster": (
        "The query cannot be executed because the system is in resize mode. Try the query "
        "again later."
    ),
    "Redshift.DiskFull": (
        "Data could not be loaded because the disk is full. Increase the capacity of the "
        "Amazon Redshift cluster or delete unused data to free disk space."
    ),
}
#: The bulk item statuses that say "try again later": a document refused with another (the
#: document itself is wrong) is written at once, as Snowflake's rows are.
_OPENSEARCH_RETRIED = frozenset({"429"})
_OPENSEARCH_SERVICE = DestinationErrors(
    "OpenSearch Service",
    "AmazonOpenSearchService-failed",
    _OPENSEARCH_DOWN,
    _OPENSEARCH_REFUSALS,
    _OPENSEARCH_RETRIED,
)
#: Destination (its configuration parameter) -> its errors.
ERRORS: dict[str, DestinationErrors] = {
    OPENSEARCH[0]: _OPENSEARCH_SERVICE,
    OPENSEARCH[1]: DestinationErrors(
        "Elasticsearch",
        _OPENSEARCH_SERVICE.output_type,
        _OPENSEARCH_DOWN,
        _OPENSEARCH_REFUSALS,
        _OPENSEARCH_RETRIED,
    ),
    SERVERLESS: DestinationErrors(
        "OpenSearch Serverless",
        _OPENSEARCH_SERVICE.output_type,
        _OPENSEARCH_DOWN,
        _OPENSEARCH_REFUSALS,
        _OPENSEARCH_RETRIED,
    ),
    SPLUNK: DestinationErrors(
        "Splunk",
        "splunk-failed",
        _SPLUNK_DOWN,
        alone=(
            "a Splunk Event endpoint refuses a record by its content: put one that is no HEC "
            'event, such as a JSON object without "event"'
        ),
    ),
    SNOWFLAKE: DestinationErrors(
        "Snowflake",
        "snowflake-failed",
        {
            "Snowflake.ConnectionFailed": (
                "Firehose could not connect to the Snowflake account URL."
            ),
            "Snowflake.DefaultRoleMissing": (
                "The Snowflake role is not configured for the Firehose stream, and the "
                "Snowflake user has no default role."
            ),
            "Snowflake.InvalidTableType": (
                "The table type configured in the Firehose stream is not supported by "
                "Snowpipe Streaming."
            ),
        },
        {
            "Snowflake.InvalidColumns": (
                "Snowpipe Streaming does not support columns of type AUTOINCREMENT, IDENTITY, "
                "GEO, or columns with a default value or collation"
            ),
            "Snowflake.ExtraColumns": "The record has keys that are not columns of the table.",
            "Snowflake.MissingColumns": (
                "The record has no value for a column of the table that is not nullable."
            ),
            "Snowflake.InvalidValue": (
                "A value of the record does not have the type of its column in the table."
            ),
            "Snowflake.InvalidInput": "The record is not a single JSON object.",
        },
        down_not_retried=frozenset({"Snowflake.DefaultRoleMissing", "Snowflake.InvalidTableType"}),
    ),
    ICEBERG: DestinationErrors(
        "Iceberg",
        "iceberg-failed",
        {"Iceberg.ConnectionFailed": "Firehose could not write to the Apache Iceberg table."},
        alone=(
            "an Iceberg destination refuses a record by its content: put one that is not a "
            "JSON object, names no table, updates a table without UniqueKeys, or does not "
            "fit the Glue table it names ({glue_table})"
        ),
    ),
    # Redshift writes no failed records (no error output type), only the manifests of the
    # batches it skipped.
    REDSHIFT: DestinationErrors("Redshift", "", _REDSHIFT_DOWN),
}
#: The destinations a test can make refuse single records, for messages.
REFUSING = ", ".join(errors.name for errors in ERRORS.values() if errors.refusals)
