"""OpenSearch ``knn_vector`` fields (the k-NN plugin as OpenSearch 2.19 has it): the mapping's
parameters, read and checked as the plugin reads them, and shown as ``GET index/_mapping``
shows them; the documents' values are ``index_vectors``'s.

Facts (k-NN 2.19: ``KNNVectorFieldMapper`` (``Builder`` and its parameters,
``TypeParser.parse``, ``validateFromFlat``, ``validateModeAndCompressionForDataType``,
``validateFullFieldName``), ``VectorDataType.get``, ``Mode``, ``CompressionLevel``,
``KNNSettings.IS_KNN_INDEX_SETTING``; OpenSearch's ``ParametrizedFieldMapper`` (``parse``,
``restrictedStringParam``, what it shows), ``XContentMapValues.nodeIntegerValue``,
``Strings.INVALID_FILENAME_CHARS``; the method's own checks are ``index_knn_methods``'s):

- the parameters are ``dimension``, ``data_type`` (``float``, ``byte``, ``binary``, any
  case), ``method`` (``name``, ``engine``, ``space_type``, ``parameters``), ``model_id``,
  ``mode``, ``compression_level``, ``space_type``, ``store``, ``doc_values`` and ``meta``;
  the builder is a ``ParametrizedFieldMapper.Builder``, so ``index``, ``boost``,
  ``index_options`` and ``similarity`` (of its ``DEPRECATED_PARAMS``) are taken with a
  deprecation warning and dropped (not shown), as for the core types; any other is
  refused (``unknown parameter [x] on mapper [v] of type [knn_vector]``),
  ``ignore_malformed`` too;
- without the index setting ``index.knn`` (or with it false) the field is a flat one:
  ``dimension`` is required, ``method`` and ``model_id`` are refused, and so are ``mode``
  and ``compression_level``; with it the method is resolved (faiss's ``hnsw`` by default,
  the space type from ``method`` or the top-level ``space_type``, ``l2``, ``hamming`` for
  ``binary``) and validated: the method's name for its engine, training (``ivf``), the
  dimension (at most 16000; a multiple of 8 for ``binary``), the space type against the
  data type, the method and its parameters (``Validation Failed: 1: ...;``);
- on a k-NN index ``mode`` and ``compression_level`` pick the engine and the method's
  encoder (``index_knn_encoders``), which the field's documents are then checked by;
- ``model_id`` names a trained model: refused with a ``method``, a ``dimension``, a
  top-level ``space_type``, ``mode`` or ``compression_level``, or on an index that is no
  k-NN one; taken otherwise, its documents failing as the plugin fails them when the
  cluster does not hold the model (``ModelFieldMapper.parseCreateField``): the fake has no
  model training, so no model is ever created;
- shown: ``dimension``, ``data_type`` when not float (as the enum's name, ``BYTE``),
  ``store`` when true, ``doc_values`` when false, ``meta`` when given, ``method`` with its
  resolved ``engine`` and ``space_type`` (not the encoder a mode chose), ``model_id``,
  ``mode`` and ``compression_level`` when given, and the top-level ``space_type`` as given.

Not modelled (refused as such): ``fields``, ``copy_to`` or a knn_vector as another field's
sub-field, and an encoder the plugin fails on with a Java exception (``index_knn_encoders``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from pytest_firehose._destinations.index_elasticsearch import refuse_knn
from pytest_firehose._destinations.index_knn_encoders import fp16, resolve_encoder, resolve_engine
from pytest_firehose._destinations.index_knn_methods import (
    SPACES,
    read_method,
    resolve_space,
    validate_method,
)
from pytest_firehose._destinations.index_mapping import Leaf
from pytest_firehose._destinations.index_special import (
    REFUSES,
    check_parameter,
    dropped,
    java_boolean,
    java_text,
)
from pytest_firehose._destinations.index_values import LONG_TEXT
from pytest_firehose._destinations.index_vectors import vector_check
from pytest_firehose._destinations.java_hashmap import hash_order

#: The parameters the plugin's builder reads, in the order it shows them.
_PARAMETERS = (
    "store",
    "doc_values",
    "dimension",
    "data_type",
    "meta",
    "method",
    "model_id",
    "mode",
    "compression_level",
    "space_type",
)
_NOT_MODELLED = ("fields", "copy_to")
DATA_TYPES = ("binary", "byte", "float")
_MODES = (None, "in_memory", "on_disk")
_COMPRESSIONS = ("", "1x", "2x", "4x", "8x", "16x", "32x")
#: The characters a vector field's full name may not hold (``Strings.INVALID_FILENAME_CHARS``,
#: a ``HashSet`` of them, listed in its order in the message).
_INVALID_NAME_CHARS = ("\\", "/", "*", "?", '"', "<", ">", "|", " ", ",")
#: The index setting that makes an index a k-NN one (``KNNSettings.IS_KNN_INDEX_SETTING``).
KNN_INDEX = "index.knn"


def knn_index(settings: Mapping[str, Any] | None) -> bool:
    """Whether ``settings`` make the index a k-NN one: ``index.knn`` (false unless given),
    ``true`` or ``false`` (or those strings), as a boolean setting is read."""
    try:
        return java_boolean((settings or {}).get(KNN_INDEX, False))
    except ValueError as refused:
        raise ValueError(
            f"OpenSearch refuses these settings: {refused} (the index setting {KNN_INDEX!r})"
        ) from None


def knn_vector_field(name: str, definition: Mapping[str, Any], *, multi: bool, knn: bool) -> Leaf:
    """The ``knn_vector`` field ``name`` (its full path) as ``definition`` (without its type)
    defines it in an index whose ``index.knn`` is ``knn``; ValueError for what the plugin
    refuses (in its words) or the fake does not model."""
    where = f"field [{name}]"
    simple = name.rsplit(".", 1)[-1]
    if multi:
        raise ValueError(
            f"{where}: a knn_vector sub-field (in another field's fields) is not modelled: "
            "give the knn_vector a field of its own"
        )
    for key in definition:
        if key in _NOT_MODELLED:
            raise ValueError(
                f"{where}: the parameter {key!r} of a knn_vector field is not modelled "
                f"(modelled: {', '.join(sorted(_PARAMETERS))})"
            )
    # What an Elasticsearch domain's Open Distro plugin lacks (``index_elasticsearch``).
    refuse_knn(simple, definition, partial(_dimension, simple))
    given = _parse(simple, definition)
    mode = given.get("mode")
    compression = given.get("compression_level", "")
    if mode not in _MODES:
        raise ValueError(_unknown_value(mode, "mode", _MODES))
    if compression not in _COMPRESSIONS:
        raise ValueError(_unknown_value(compression, "compression_level", _COMPRESSIONS))
    top_space = given.get("space_type", "undefined")
    space = _space(top_space)
    data_type = given.get("data_type", "float")
    dimension = given.get("dimension")
    method = given.get("method")
    # Set to other than their defaults (``Parameter.isConfigured``).
    configured = mode is not None or compression != ""
    model = given.get("model_id")
    quantizer = None
    if method is not None and model is not None:
        raise ValueError(
            f"{REFUSES}Method and model can not be both specified in the mapping: {simple}"
        )
    if dimension is not None and model is not None:
        raise ValueError(
            f"{REFUSES}Cannot specify both a modelId and dimension in the mapping: {simple}"
        )
    if not knn:
        if method is not None or model is not None:
            raise ValueError(
                f"{REFUSES}Cannot set modelId or method parameters when index.knn setting is false"
            )
        if dimension is None:
            raise ValueError(f"{REFUSES}Dimension value missing for vector: {simple}")
        if configured:
            raise ValueError(
                f"{REFUSES}Compression and mode can not be specified in a flat mapping "
                f"configuration for field: {simple}"
            )
        zero_check = None
    elif model is not None:
        if top_space != "undefined":
            raise ValueError(
                f"{REFUSES}TopLevel Space type and model can not be both specified in the mapping"
            )
        if configured:
            raise ValueError(
                f"{REFUSES}Compression and mode can not be specified in a model mapping "
                f"configuration for field: {simple}"
            )
        zero_check = None
    else:
        if configured and data_type != "float":
            raise ValueError(
                f"{REFUSES}Compression and mode cannot be used for non-float32 data type for "
                f"field {simple}"
            )
        resolved = resolve_space(method, space, data_type)
        engine = resolve_engine(method["engine"] if method else None, compression)
        if method is not None:
            method["space_type"] = resolved
            method["engine"] = engine
        # The resolver works on a copy: what it adds is not shown.
        parameters = dict((method["parameters"] if method is not None else None) or {})
        resolve_encoder(
            engine, parameters, mode, compression, -1 if dimension is None else dimension
        )
        validate_method(simple, method, resolved, data_type, dimension, engine, parameters)
        zero_check = resolved
        quantizer = fp16(engine, parameters)
    _check_full_name(name)
    shown: dict[str, Any] = {}
    if given.get("store"):
        shown["store"] = True
    if given.get("doc_values") is False:
        shown["doc_values"] = False
    if dimension is not None:
        shown["dimension"] = dimension
    if data_type != "float":
        shown["data_type"] = data_type.upper()
    if given.get("meta"):
        shown["meta"] = given["meta"]
    if method is not None:
        shown["method"] = {
            "engine": method["engine"],
            "space_type": method["space_type"],
            "name": method["name"],
            "parameters": method["parameters"],
        }
    if model is not None:
        shown["model_id"] = model
    if mode is not None:
        shown["mode"] = mode
    if compression:
        shown["compression_level"] = compression
    if top_space != "undefined":
        shown["space_type"] = top_space
    check = vector_check(dimension or 0, data_type, zero_check == "cosinesimil", quantizer, model)
    return Leaf("knn_vector", shown, check)


def _unknown_value(value: Any, name: str, accepted: tuple[str | None, ...]) -> str:
    listed = ", ".join("null" if one is None else one for one in accepted)
    shown = "null" if value is None else value
    return f"{REFUSES}Unknown value [{shown}] for field [{name}] - accepted values are [{listed}]"


def _parse(simple: str, definition: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters ``definition`` gives, each read as its parser reads it, in the order
    given (``ParametrizedFieldMapper.Builder.parse``)."""
    given: dict[str, Any] = {}
    for key, value in definition.items():
        if dropped(key, _PARAMETERS):
            continue
        check_parameter(
            simple, "knn_vector", key, value, _PARAMETERS, ("mode", "compression_level")
        )
        if key == "dimension":
            given[key] = _dimension(simple, value)
        elif key == "data_type":
            if not isinstance(value, str):
                raise ValueError(
                    f"field [{simple}]: data_type is a string, one of {', '.join(DATA_TYPES)}"
                )
            if value.lower() not in DATA_TYPES:
                raise ValueError(
                    f"{REFUSES}Invalid value provided for [data_type] field. Supported values "
                    f"are [{','.join(DATA_TYPES)}]"
                )
            given[key] = value.lower()
        elif key == "method":
            given[key] = read_method(value)
        elif key in ("store", "doc_values"):
            if not isinstance(value, (bool, str)) or value not in (True, False, "true", "false"):
                raise ValueError(
                    f"{REFUSES}Failed to parse value [{java_text(value)}] as only [true] or "
                    "[false] are allowed."
                )
            given[key] = value in (True, "true")
        elif key == "meta":
            if not isinstance(value, Mapping) or not all(
                isinstance(item, str) for item in value.values()
            ):
                raise ValueError(f"field [{simple}]: meta is an object of strings, not {value!r}")
            given[key] = {item: value[item] for item in sorted(value)}
        else:  # mode, compression_level, space_type: strings, as Java prints the value
            given[key] = None if value is None else java_text(value)
    return given


def _dimension(simple: str, value: Any) -> int:
    """``XContentMapValues.nodeIntegerValue`` of ``dimension``: a number's ``intValue``, or a
    string ``Integer.parseInt`` reads; above 0."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = (value + 2**31) % 2**32 - 2**31
    elif isinstance(value, float):
        number = 0 if value != value else int(max(-(2**31), min(2**31 - 1, value)))
    elif isinstance(value, str) and LONG_TEXT.fullmatch(value):
        parsed = int(value)
        number = parsed if -(2**31) <= parsed < 2**31 else None
    if number is None:
        raise ValueError(
            f"{REFUSES}Unable to parse [dimension] from provided value [{java_text(value)}] "
            f"for vector [{simple}]"
        )
    if number <= 0:
        raise ValueError(f"{REFUSES}Dimension value must be greater than 0 for vector: {simple}")
    return number


def _space(given: Any) -> str:
    """The top-level ``space_type``, checked by ``SpaceType.getSpace``."""
    if not isinstance(given, str) or given.lower() not in SPACES:
        valid = ", ".join(SPACES[1:])
        raise ValueError(f"{REFUSES}Unable to find space: {given} . Valid values are: [{valid}]")
    return given.lower()


def _check_full_name(name: str) -> None:
    """``validateFullFieldName``: a vector field's full name holds no character a file
    name may not."""
    for char in name:
        if char in _INVALID_NAME_CHARS:
            listed = ", ".join(f"'{one}'" for one in hash_order(list(_INVALID_NAME_CHARS)))
            raise ValueError(
                f"{REFUSES}Vector field name must not include invalid characters of [{listed}]. "
                f"Provided field name=[{name}] had a disallowed character [{char}]"
            )
