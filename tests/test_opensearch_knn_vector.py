"""An OpenSearch ``knn_vector`` field (the k-NN plugin): the vectors a document may give, the
bulk error of one the field does not take, in the plugin's words; a flat field without
``index.knn`` and a method's field with it; and the mappings refused at
``opensearch_index`` as the plugin refuses them, shown as ``GET index/_mapping`` shows
them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_opensearch_mappings import index_of
from test_opensearch_range_fields import REFUSES, deliver
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

KNN = {"index.knn": True}


def vector(dimension: int, **parameters: Any) -> dict[str, Any]:
    return {"type": "knn_vector", "dimension": dimension, **parameters}


def failed(
    shown: str, cause: str | None, kind: str = "illegal_argument_exception", field: str = "v"
) -> Any:
    """The bulk error of a value the field ``field`` does not take (the id left as ``ID``)."""
    error: dict[str, Any] = {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [{field}] of type [knn_vector] in document with id "
        f"'ID'. Preview of field's value: '{shown}'",
    }
    if cause is not None:
        error["caused_by"] = {"type": kind, "reason": cause}
    return error


def test_a_flat_vector_takes_its_dimension_of_numbers(fake: FirehoseFake, landing_s3: Any) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "v": vector(3),
                "tag": {"type": "keyword"},
                # mode and compression_level at their defaults are not configured
                "w": vector(1, mode=None, compression_level=""),
            }
        },
    )
    taken = [
        b'{"v": [0.5, -1.25, 3]}',
        b'{"v": ["0.5", " 2 ", "1e3"]}',  # strings a float parser reads
        b'{"v": [0, 0, 0]}',  # a zero vector: a flat field has no space type
        b'{"v": null, "tag": "none"}',
        b'{"tag": "absent"}',
    ]
    delivered, errors = deliver(fake, landing_s3, *taken)

    assert shown == {"properties": {"tag": {"type": "keyword"}, "v": vector(3), "w": vector(1)}}
    assert delivered == taken
    assert errors == []


def test_a_vector_the_field_does_not_take_fails_in_the_plugins_words(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": vector(3)}})
    delivered, errors = deliver(
        fake,
        landing_s3,
        b'{"v": [1, 2]}',
        b'{"v": [1, 2, 3, 4]}',
        b'{"v": []}',
        b'{"v": 7}',
        b'{"v": "1,2,3"}',
        b'{"v": {"x": 1}}',
        b'{"v": true}',
        b'{"v": [1, "two", 3]}',
        b'{"v": [1, "", 3]}',
        b'{"v": [1, "NaN", 3]}',
        b'{"v": [1, 1e39, 3]}',
        b'{"v": [1, null, 3]}',
        b'{"v": [1, [2], 3]}',
        b'{"v": [1, 2, 3]}',
    )

    assert delivered == [b'{"v": [1, 2, 3]}']
    assert errors == [
        failed("null", "Vector dimension mismatch. Expected: 3, Given: 2"),
        failed("null", "Vector dimension mismatch. Expected: 3, Given: 4"),
        failed("null", "Vector dimension mismatch. Expected: 3, Given: 0"),
        failed("null", "Vector dimension mismatch. Expected: 3, Given: 1"),
        # A value that is no array or number is no vector: the preview is the value.
        failed("1,2,3", "Vector dimension mismatch. Expected: 3, Given: 0"),
        failed("{x=1}", "Vector dimension mismatch. Expected: 3, Given: 0"),
        failed("true", "Vector dimension mismatch. Expected: 3, Given: 0"),
        # A value that fails is the preview.
        failed("two", 'For input string: "two"', "number_format_exception"),
        failed("", "empty String", "number_format_exception"),
        failed("NaN", "KNN vector values cannot be NaN"),
        failed("1.0E39", "KNN vector values cannot be infinity"),
        failed("null", None),  # the parser's own error quotes its position
        failed("[2]", None),
    ]


def test_byte_and_binary_vectors_take_whole_numbers_of_a_byte(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "v": vector(2, data_type="byte"),
                "bits": vector(16, data_type="Binary", store=True, doc_values=False),
            }
        },
    )
    delivered, errors = deliver(
        fake,
        landing_s3,
        b'{"v": [-128, 127.0], "bits": [255, -1]}',
        b'{"v": [1.5, 2]}',
        b'{"v": [1, 128]}',
        b'{"bits": [1, 2, 3]}',
        b'{"bits": [1.5, 2]}',
    )

    assert shown == {
        "properties": {
            "bits": {
                "type": "knn_vector",
                "store": True,
                "doc_values": False,
                "dimension": 16,
                "data_type": "BINARY",
            },
            "v": {"type": "knn_vector", "dimension": 2, "data_type": "BYTE"},
        }
    }
    assert delivered == []
    said = "[data_type] field was set as [{}] in index mapping. But, KNN vector values are "
    bits = {"kind": "illegal_argument_exception", "field": "bits"}
    assert errors == [
        failed("255", said.format("binary") + "not within in the byte range [-128, 127]", **bits),
        failed("1.5", said.format("byte") + "floats instead of byte integers"),
        failed("128", said.format("byte") + "not within in the byte range [-128, 127]"),
        failed(
            "null",
            "The dimension of the binary vector must be 8 times the length of the provided "
            "vector. Expected: 16, Given: 24",
            **bits,
        ),
        failed("1.5", said.format("binary") + "floats instead of byte integers", **bits),
    ]


def test_a_knn_index_resolves_the_method_and_shows_it(fake: FirehoseFake, landing_s3: Any) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "v": vector(
                    2,
                    method={
                        "name": "hnsw",
                        "space_type": "cosinesimil",
                        "parameters": {"m": 8, "ef_construction": 64},
                    },
                ),
                "plain": vector(2),
                "top": vector(
                    2, space_type="CosineSimil", method={"name": "hnsw", "engine": "Lucene"}
                ),
            }
        },
        settings=KNN,
    )
    delivered, errors = deliver(
        fake,
        landing_s3,
        b'{"v": [0, 1], "plain": [0, 0], "top": [1, 1]}',
        b'{"v": [0, -0.0]}',
        b'{"top": [0, 0]}',
    )

    assert shown["properties"] == {
        "plain": vector(2),
        "top": {
            "type": "knn_vector",
            "dimension": 2,
            "method": {
                "engine": "lucene",
                "space_type": "cosinesimil",
                "name": "hnsw",
                "parameters": {},
            },
            "space_type": "CosineSimil",
        },
        "v": {
            "type": "knn_vector",
            "dimension": 2,
            "method": {
                "engine": "faiss",
                "space_type": "cosinesimil",
                "name": "hnsw",
                "parameters": {"ef_construction": 64, "m": 8},
            },
        },
    }
    assert delivered == [b'{"v": [0, 1], "plain": [0, 0], "top": [1, 1]}']
    zero = "zero vector is not supported when space type is [cosinesimil]"
    assert errors == [failed("null", zero), failed("null", zero, field="top")]


@pytest.mark.parametrize("settings", [None, KNN])
def test_a_deprecated_parameter_the_builder_lacks_is_dropped(
    fake: FirehoseFake, landing_s3: Any, settings: Any
) -> None:
    # KNNVectorFieldMapper.Builder is a ParametrizedFieldMapper.Builder: index, boost,
    # index_options and similarity (DEPRECATED_PARAMS it does not declare) are dropped.
    given = vector(2, index=False, boost=2.0, index_options="docs", similarity="BM25", store=True)
    shown = fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"v": given}}, settings=settings
    )
    delivered, errors = deliver(fake, landing_s3, b'{"v": [1, 2]}')

    assert shown["properties"]["v"]["store"] is True
    for key in ("index", "boost", "index_options", "similarity"):
        assert key not in shown["properties"]["v"]
    assert delivered == [b'{"v": [1, 2]}']
    assert errors == []


@pytest.mark.parametrize(
    ("definition", "settings", "refusal"),
    [
        (
            vector(2, method={"name": "hnsw"}),
            None,
            "Cannot set modelId or method parameters when index.knn setting is false",
        ),
        ({"type": "knn_vector"}, None, "Dimension value missing for vector: v"),
        ({"type": "knn_vector"}, KNN, "Dimension value missing for vector: v"),
        (
            vector(2, mode="on_disk"),
            None,
            "Compression and mode can not be specified in a flat mapping configuration for field: "
            "v",
        ),
        (
            vector(2, ignore_malformed=True),
            None,
            "unknown parameter [ignore_malformed] on mapper [v] of type [knn_vector]",
        ),
        (
            vector(2, index=False, norms=False),
            KNN,
            "unknown parameter [norms] on mapper [v] of type [knn_vector]",
        ),
        (
            {"type": "knn_vector", "dimension": None},
            None,
            "[dimension] on mapper [v] of type [knn_vector] must not have a [null] value",
        ),
        (
            {"type": "knn_vector", "dimension": "x"},
            None,
            "Unable to parse [dimension] from provided value [x] for vector [v]",
        ),
        (
            {"type": "knn_vector", "dimension": 0},
            None,
            "Dimension value must be greater than 0 for vector: v",
        ),
        (
            vector(2, data_type="half"),
            None,
            "Invalid value provided for [data_type] field. Supported values are "
            "[binary,byte,float]",
        ),
        (
            vector(2, mode="fast"),
            None,
            "Unknown value [fast] for field [mode] - accepted values are [null, in_memory, "
            "on_disk]",
        ),
        (
            vector(2, compression_level="3x"),
            KNN,
            "Unknown value [3x] for field [compression_level] - accepted values are [, 1x, 2x, "
            "4x, 8x, 16x, 32x]",
        ),
        (
            vector(2, space_type="euclid"),
            None,
            "Unable to find space: euclid . Valid values are: [l2, cosinesimil, l1, linf, "
            "innerproduct, hamming]",
        ),
        (
            vector(2, data_type="byte", mode="on_disk"),
            KNN,
            "Compression and mode cannot be used for non-float32 data type for field v",
        ),
        (
            vector(2, method="hnsw"),
            KNN,
            'Unable to parse mapping into KNNMethodContext. Object not of type "Map"',
        ),
        (vector(2, method={"engine": "faiss"}), KNN, "name needs to be set"),
        (vector(2, method={"name": "hnsw", "engine": "annoy"}), KNN, "Invalid engine: annoy"),
        (vector(2, method={"name": "hnsw", "space_type": "dot"}), KNN, "Invalid space_type: dot"),
        (vector(2, method={"name": "hnsw", "k": 1}), KNN, "Invalid parameter: k"),
        (
            vector(2, method={"name": "hnsw", "space_type": "l2"}, space_type="l1"),
            KNN,
            'Cannot specify conflicting space types: "[l2]" "[l1]"',
        ),
        (
            vector(2, method={"name": "ivf"}),
            KNN,
            'Validation Failed: 1: "method" requires training.;',
        ),
        (vector(2, method={"name": "ivf", "engine": "lucene"}), KNN, "Invalid method name: ivf"),
        (
            vector(16001),
            KNN,
            "Validation Failed: 1: Dimension value cannot be greater than 16000 for vector with "
            "engine: faiss;",
        ),
        (
            vector(12, data_type="binary"),
            KNN,
            "Validation Failed: 1: Dimension should be multiply of 8 for binary vector data type;",
        ),
        (
            vector(8, data_type="binary", space_type="l2"),
            KNN,
            "Space type [l2] is not supported with [binary] data type",
        ),
        (
            vector(8, space_type="hamming"),
            KNN,
            "Space type [hamming] is not supported with [float] data type",
        ),
        (
            vector(
                2,
                method={
                    "name": "hnsw",
                    "engine": "lucene",
                    "space_type": "l1",
                    "parameters": {"m": "16", "ef_search": 10, "ef_construction": 0},
                },
            ),
            KNN,
            'Validation Failed: 1: "hnsw" with "lucene" configuration does not support space '
            'type: "l1".;'
            # the parameters' errors in the order of Java's HashMap of them
            "2: Unknown parameter 'ef_search' found;"
            "3: parameter validation failed for Integer parameter [ef_construction].;"
            "4: value is not an instance of Integer for Integer parameter [m].;",
        ),
        (
            vector(2, data_type="byte", method={"name": "hnsw", "engine": "nmslib"}),
            KNN,
            'Validation Failed: 1: Method "hnsw" is not supported for vector data type "BYTE".;',
        ),
    ],
)
def test_a_mapping_the_plugin_refuses_is_refused_in_its_words(
    fake: FirehoseFake, definition: dict[str, Any], settings: Any, refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"v": definition}}, settings=settings
        )

    assert REFUSES + refusal in str(refused_mapping.value)


def test_a_vector_field_name_no_file_may_have_is_refused(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"doc": {"properties": {"my vec": vector(2)}}}}
        )

    assert (
        REFUSES + "Vector field name must not include invalid characters of [' ', '\"', '*', "
        "'\\', '<', '|', ',', '>', '/', '?']. Provided field name=[doc.my vec] had a "
        "disallowed character [ ]"
    ) in str(refused_mapping.value)


@pytest.mark.parametrize(
    ("definition", "settings", "refusal"),
    [
        (
            vector(2, copy_to="w"),
            None,
            "field [v]: the parameter 'copy_to' of a knn_vector field is not modelled",
        ),
        (
            vector(2, method={"name": "hnsw", "parameters": {"encoder": "sq"}}),
            KNN,
            "the k-NN plugin fails on any other value with a ClassCastException",
        ),
        (
            vector(2, method={"name": "hnsw", "parameters": {"encoder": {"name": "lvq"}}}),
            KNN,
            "a knn_vector method's encoder 'lvq' is none of faiss's (flat, sq, pq, binary): "
            "the k-NN plugin fails on it with a NullPointerException",
        ),
        (
            {"type": "text", "fields": {"vec": vector(2)}},
            None,
            "field [v.vec]: a knn_vector sub-field (in another field's fields) is not modelled",
        ),
    ],
)
def test_what_the_fake_does_not_model_is_refused_as_such(
    fake: FirehoseFake, definition: dict[str, Any], settings: Any, refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"v": definition}}, settings=settings
        )

    assert refusal in str(refused_mapping.value)


@pytest.mark.parametrize("value", ["yes", 1])
def test_index_knn_is_a_boolean_setting(fake: FirehoseFake, value: Any) -> None:
    with pytest.raises(UsageError) as refused_settings:
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"v": vector(2)}}, settings={"index.knn": value}
        )

    assert f"Failed to parse value [{value}] as only [true] or [false] are allowed." in str(
        refused_settings.value
    )


def test_a_dynamic_template_maps_a_whole_array_or_each_value(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic_templates": [
                {
                    "whole": {
                        "match": "*_vector",
                        "match_mapping_type": "object",
                        "mapping": vector(2),
                    }
                },
                {"each": {"match": "*_each", "match_mapping_type": "double", "mapping": vector(2)}},
            ]
        },
    )
    delivered, errors = deliver(
        fake, landing_s3, b'{"a_vector": [0.5, 1.5]}', b'{"b_each": [0.5, 1.5]}'
    )

    assert delivered == [b'{"a_vector": [0.5, 1.5]}']
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "a_vector": vector(2)
    }
    # Read one by one, each value is a vector of one.
    assert [error["caused_by"]["reason"] for error in errors] == [
        "Vector dimension mismatch. Expected: 2, Given: 1"
    ]
    assert json.dumps(errors[0]).startswith('{"type": "mapper_parsing_exception"')


def encoded(name: str, engine: str | None = None, **parameters: Any) -> dict[str, Any]:
    """A method ``hnsw`` whose encoder is ``name`` of ``parameters``."""
    method: dict[str, Any] = {"name": "hnsw"}
    if engine is not None:
        method["engine"] = engine
    method["parameters"] = {"encoder": {"name": name, "parameters": parameters}}
    return method


def test_mode_and_compression_choose_a_quantizer_and_show_as_given(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "disk": vector(2, mode="on_disk"),  # faiss, 1 bit a value (32x)
                "half": vector(2, compression_level="2x"),  # faiss's sq of type fp16
                "quarter": vector(2, compression_level="4x", method={"name": "hnsw"}),
                "clipped": vector(2, method=encoded("sq", clip=True, type="fp16")),
                "bits": vector(2, mode="in_memory", method=encoded("binary", bits=2)),
            }
        },
        settings=KNN,
    )
    taken = [
        b'{"disk": [1e30, -2], "quarter": [1e30, 0], "bits": [1e30, 1]}',
        b'{"half": [65504, -65504.001]}',  # -65504.001 is -65504 as a float
        b'{"clipped": [70000, -1e30]}',  # clipped to the range
    ]
    delivered, errors = deliver(
        fake, landing_s3, *taken, b'{"half": [1, 65504.01]}', b'{"half": ["NaN", 1]}'
    )

    assert shown["properties"] == {
        "bits": {
            "type": "knn_vector",
            "dimension": 2,
            "method": {
                "engine": "faiss",
                "space_type": "l2",
                "name": "hnsw",
                "parameters": {"encoder": {"name": "binary", "parameters": {"bits": 2}}},
            },
            "mode": "in_memory",
        },
        "clipped": {
            "type": "knn_vector",
            "dimension": 2,
            "method": {
                "engine": "faiss",
                "space_type": "l2",
                "name": "hnsw",
                # the encoder's parameters in the order of Java's HashMap of them
                "parameters": {
                    "encoder": {"name": "sq", "parameters": {"type": "fp16", "clip": True}}
                },
            },
        },
        "disk": vector(2, mode="on_disk"),
        "half": vector(2, compression_level="2x"),
        # 4x is lucene's alone: the engine the method does not name is lucene
        "quarter": {
            "type": "knn_vector",
            "dimension": 2,
            "method": {"engine": "lucene", "space_type": "l2", "name": "hnsw", "parameters": {}},
            "compression_level": "4x",
        },
    }
    assert delivered == taken
    fp16 = (
        "encoder name is set as [sq] and type is set as [fp16] in index mapping. But, KNN "
        "vector values are not within in the FP16 range [-65504.000000, 65504.000000]"
    )
    assert errors == [
        failed("65504.01", fp16, field="half"),
        failed("NaN", "KNN vector values cannot be NaN", field="half"),
    ]


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            vector(2, compression_level="4x", method={"name": "hnsw", "engine": "faiss"}),
            'Validation Failed: 1: "faiss" does not support "4x" compression;',
        ),
        (
            vector(2, compression_level="8x", method={"name": "hnsw", "engine": "lucene"}),
            'Validation Failed: 1: "lucene" does not support "8x" compression;',
        ),
        (
            vector(2, mode="on_disk", compression_level="1x"),
            'Validation Failed: 1: Cannot specify "x1" compression level when using "on_disk" '
            "mode;",
        ),
        (
            vector(
                2,
                mode="on_disk",
                compression_level="2x",
                method={"name": "hnsw", "engine": "nmslib"},
            ),
            'Validation Failed: 1: "nmslib" does not support "2x" compression;'
            "2: Nmslib engine does not support disk-based search;",
        ),
        (
            vector(2, compression_level="32x", method=encoded("sq")),
            "Validation Failed: 1: Cannot specify an encoder that conflicts with the provided "
            "compression level;",
        ),
        (
            vector(2, method=encoded("binary", bits=3)),
            "Validation Failed: 1: parameter validation failed for Integer parameter [bits].;",
        ),
        (
            vector(2, method=encoded("binary", bits="1")),
            "Validation Failed: 1: value is not an instance of Integer for Integer parameter "
            "[bits].;",
        ),
        (
            vector(2, method=encoded("sq", type="int8")),
            "Validation Failed: 1: parameter validation failed for MethodComponentContext "
            "parameter [encoder].;",
        ),
        (
            vector(2, method=encoded("sq", clip="true")),
            "Validation Failed: 1: parameter validation failed for MethodComponentContext "
            "parameter [encoder].;",
        ),
        (
            vector(2, data_type="byte", method=encoded("sq")),
            "Validation Failed: 1: parameter validation failed for MethodComponentContext "
            "parameter [encoder].;",
        ),
        (
            vector(2, method=encoded("sq", "lucene", confidence_interval=0.5)),
            "Validation Failed: 1: parameter validation failed for MethodComponentContext "
            "parameter [encoder].;",
        ),
        (
            vector(2, method=encoded("pq", m=2, code_size=8)),
            'Validation Failed: 1: "method" requires training.;',
        ),
        (
            vector(8, compression_level="2x", method=encoded("pq", m=2, code_size=8)),
            # 8 * 32 / (2 * 8): 16x
            "Validation Failed: 1: Cannot specify an encoder that conflicts with the provided "
            "compression level;",
        ),
        (
            vector(2, method=encoded("sq", "nmslib")),
            "Validation Failed: 1: Unknown parameter 'encoder' found;",
        ),
        (
            vector(2, model_id="m1"),
            "Cannot specify both a modelId and dimension in the mapping: v",
        ),
        (
            {"type": "knn_vector", "model_id": "m1", "method": {"name": "hnsw"}},
            "Method and model can not be both specified in the mapping: v",
        ),
        (
            {"type": "knn_vector", "model_id": "m1", "space_type": "l2"},
            "TopLevel Space type and model can not be both specified in the mapping",
        ),
        (
            {"type": "knn_vector", "model_id": "m1", "compression_level": "2x"},
            "Compression and mode can not be specified in a model mapping configuration for "
            "field: v",
        ),
    ],
)
def test_a_quantizer_the_plugin_refuses_is_refused_in_its_words(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"v": definition}}, settings=KNN
        )

    assert REFUSES + refusal in str(refused_mapping.value)


def test_lucenes_sq_encoder_is_its_4x_compression(fake: FirehoseFake, landing_s3: Any) -> None:
    definition = vector(2, compression_level="4x", method=encoded("sq", "lucene", bits=7))
    shown = fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"v": definition}}, settings=KNN
    )
    delivered, errors = deliver(fake, landing_s3, b'{"v": [0.5, -1]}')

    assert shown["properties"]["v"]["compression_level"] == "4x"
    assert shown["properties"]["v"]["method"]["engine"] == "lucene"
    assert [json.loads(document) for document in delivered] == [{"v": [0.5, -1]}]
    assert errors == []


def test_a_model_the_cluster_does_not_hold_fails_each_document(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    model = {"type": "knn_vector", "model_id": "my-model"}
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": model}})
    shown = fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"v": model, "tag": {"type": "keyword"}}}, settings=KNN
    )
    delivered, errors = deliver(
        fake, landing_s3, b'{"v": [1, 2]}', b'{"v": null}', b'{"tag": "no vector"}'
    )

    assert (
        REFUSES + "Cannot set modelId or method parameters when index.knn setting is false"
    ) in str(refused_mapping.value)
    assert shown["properties"]["v"] == model
    assert delivered == [b'{"tag": "no vector"}']
    unknown = "Model ID 'my-model' is not created."
    assert errors == [
        failed("[1, 2]", unknown, "illegal_state_exception"),
        failed("null", unknown, "illegal_state_exception"),
    ]
