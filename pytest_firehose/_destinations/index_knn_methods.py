"""A ``knn_vector`` field's ``method`` (``index_knn``): read as the k-NN plugin parses it,
its space type resolved, and checked as the plugin checks a k-NN index's method.

Facts (k-NN 2.19: ``KNNMethodContext.parse``, ``MethodComponentContext.parse``,
``SpaceType``, ``SpaceTypeResolver.resolveSpaceType``, ``KNNEngine`` (``getEngine``, the
16000 dimensions of each engine), ``AbstractKNNLibrary`` (``validateMethod``,
``isTrainingRequired``), ``AbstractKNNMethod.validate``, ``MethodComponent.validate``,
``ParameterValidator.validateParameters``, ``Parameter.IntegerParameter``; the methods
``FaissHNSWMethod``, ``FaissIVFMethod``, ``LuceneHNSWMethod``, ``NmslibHNSWMethod``):

- ``method`` is an object of ``name`` (required), ``engine`` (``faiss``, ``lucene``,
  ``nmslib``, any case; faiss when not given), ``space_type`` and ``parameters``; its
  parameters are kept in a Java ``HashMap``, shown and checked in its order;
- the space type is the method's, else the field's ``space_type``, else ``l2``
  (``hamming`` for ``binary``); two that differ are refused;
- then, in order: the method's name for its engine (``Invalid method name: x``), training
  (faiss's ``ivf``: ``"method" requires training.``), and the checks a
  ``ValidationException`` lists (``Validation Failed: 1: ...;2: ...;``): the dimension
  (at most 16000; a multiple of 8 for ``binary``), the space type against the data type
  (thrown alone: ``Space type [l2] is not supported with [binary] data type``), the
  method's space types and data types, and its parameters (``m``, ``ef_construction``,
  and ``ef_search`` for faiss and nmslib: Java integers above 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_knn_encoders import (
    ENCODER,
    encoder_valid,
    known_encoder,
    needs_training,
    validation_failed,
)
from pytest_firehose._destinations.index_special import REFUSES, java_text
from pytest_firehose._destinations.java_hashmap import hash_order

#: ``SpaceType``'s values, in the enum's order (``undefined`` first: not given).
SPACES = ("undefined", "l2", "cosinesimil", "l1", "linf", "innerproduct", "hamming")
_ENGINES = ("nmslib", "faiss", "lucene")
MAX_DIMENSION = 16000
#: Each engine's methods: the space types, the data types, and the integer parameters
#: (each above 0) it takes besides ``encoder``.
_METHODS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    ("faiss", "hnsw"): (
        ("undefined", "hamming", "l2", "innerproduct", "cosinesimil"),
        ("float", "binary", "byte"),
        ("m", "ef_construction", "ef_search"),
    ),
    ("lucene", "hnsw"): (
        ("undefined", "l2", "cosinesimil", "innerproduct", "hamming"),
        ("float", "byte", "binary"),
        ("m", "ef_construction"),
    ),
    ("nmslib", "hnsw"): (
        ("undefined", "l2", "l1", "linf", "cosinesimil", "innerproduct"),
        ("float",),
        ("m", "ef_construction", "ef_search"),
    ),
}


def _component(value: Any) -> dict[str, Any]:
    """``MethodComponentContext.parse`` of a parameter given as an object, as
    ``toXContent`` shows it (``name``, then ``parameters`` in ``HashMap`` order)."""
    if not isinstance(value, Mapping):  # pragma: no cover - only objects come here
        raise ValueError(f"{REFUSES}Unable to parse MethodComponent")
    name = ""
    parameters: dict[str, Any] | None = {}
    for key, item in value.items():
        if key == "name":
            if not isinstance(item, str):
                raise ValueError(f"{REFUSES}Component name should be a string")
            name = item
        elif key == "parameters":
            if item is not None and not isinstance(item, Mapping):
                raise ValueError(f"{REFUSES}Unable to parse parameters for  method component")
            parameters = None if item is None else _parameters(item)
        else:
            raise ValueError(f"{REFUSES}Invalid parameter for MethodComponentContext: {key}")
    if not name:
        raise ValueError(f"{REFUSES}name needs to be set")
    return {"name": name, "parameters": parameters}


def _parameters(given: Mapping[str, Any]) -> dict[str, Any]:
    """A component's parameters, objects among them read as components, in ``HashMap``
    order."""
    read = {
        key: _component(item) if isinstance(item, Mapping) else item for key, item in given.items()
    }
    return {key: read[key] for key in hash_order(list(read))}


def read_method(value: Any) -> dict[str, Any]:
    """``KNNMethodContext.parse`` of ``method``: its engine (None: not given), space type,
    name and parameters (None where given as null)."""
    if not isinstance(value, Mapping):
        raise ValueError(
            f'{REFUSES}Unable to parse mapping into KNNMethodContext. Object not of type "Map"'
        )
    read: dict[str, Any] = {"engine": None, "space_type": "undefined", "name": ""}
    read["parameters"] = {}
    for key, item in value.items():
        if key == "engine":
            if item is not None and not isinstance(item, str):
                raise ValueError(f'{REFUSES}"engine" must be a string')
            if item is not None and item.lower() not in _ENGINES:
                raise ValueError(f"{REFUSES}Invalid engine: {item}")
            read["engine"] = item.lower() if item is not None else "faiss"
        elif key == "space_type":
            if item is not None and not isinstance(item, str):
                raise ValueError(f'{REFUSES}"space_type" must be a string')
            if item is None or item.lower() not in SPACES:
                raise ValueError(f"{REFUSES}Invalid space_type: {java_text(item)}")
            read["space_type"] = item.lower()
        elif key == "name":
            if not isinstance(item, str):
                raise ValueError(f"{REFUSES}namehas to be a string")
            read["name"] = item
        elif key == "parameters":
            if item is None:
                read["parameters"] = None
                continue
            if not isinstance(item, Mapping):
                raise ValueError(f"{REFUSES}Unable to parse parameters for main method component")
            read["parameters"] = _parameters(item)
        else:
            raise ValueError(f"{REFUSES}Invalid parameter: {key}")
    if not read["name"]:
        raise ValueError(f"{REFUSES}name needs to be set")
    return read


def resolve_space(method: dict[str, Any] | None, top: str, data_type: str) -> str:
    """``SpaceTypeResolver.resolveSpaceType``: the method's, else the top-level one, else
    the data type's default; two that differ are refused."""
    inner = method["space_type"] if method is not None else "undefined"
    if inner == "undefined" and top == "undefined":
        return "hamming" if data_type == "binary" else "l2"
    if inner == "undefined":
        return top
    if top in ("undefined", inner):
        return str(inner)
    raise ValueError(f'{REFUSES}Cannot specify conflicting space types: "[{inner}]" "[{top}]"')


def validate_method(
    simple: str,
    method: dict[str, Any] | None,
    space: str,
    data_type: str,
    dimension: int | None,
    engine: str,
    parameters: dict[str, Any],
) -> None:
    """The checks of a k-NN index's method (``validateFromKNNMethod``), in their order, of
    its resolved ``engine`` and ``parameters`` (``index_knn_encoders.resolve_encoder``)."""
    name = method["name"] if method is not None else "hnsw"
    if (engine, name) not in _METHODS:
        if (engine, name) == ("faiss", "ivf"):
            raise ValueError(f'{REFUSES}Validation Failed: 1: "method" requires training.;')
        raise ValueError(f"{REFUSES}Invalid method name: {name}")
    takes_encoder = engine != "nmslib"
    if takes_encoder and ENCODER in parameters:
        known_encoder(engine, parameters[ENCODER])
    if needs_training(engine, parameters):
        raise ValueError(f'{REFUSES}Validation Failed: 1: "method" requires training.;')
    errors: list[str] = []
    size = -1 if dimension is None else dimension
    if size > MAX_DIMENSION:
        errors.append(
            f"Dimension value cannot be greater than {MAX_DIMENSION} for vector with engine: "
            f"{engine}"
        )
    elif data_type == "binary" and size % 8:
        errors.append("Dimension should be multiply of 8 for binary vector data type")
    if (space == "hamming") != (data_type == "binary"):
        raise ValueError(
            f"{REFUSES}Space type [{space}] is not supported with [{data_type}] data type"
        )
    spaces, data_types, integers = _METHODS[engine, name]
    if space not in spaces:
        errors.append(
            f'"{name}" with "{engine}" configuration does not support space type: "{space}".'
        )
    if data_type not in data_types:
        errors.append(
            f'Method "{name}" is not supported for vector data type "{data_type.upper()}".'
        )
    # The resolved parameters: those given, the chosen encoder, and the defaults (faiss's
    # encoder ``flat``), iterated in the order of the HashMap of them all.
    defaults = [*integers, *((ENCODER,) if engine == "faiss" else ())]
    for key in hash_order([*parameters, *(one for one in defaults if one not in parameters)]):
        if key not in parameters:
            continue
        value = parameters[key]
        if key == ENCODER and takes_encoder:
            if not encoder_valid(engine, value, data_type, size):
                errors.append(
                    "parameter validation failed for MethodComponentContext parameter [encoder]."
                )
        elif key not in integers:
            errors.append(f"Unknown parameter '{key}' found")
        elif isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
            errors.append(f"value is not an instance of Integer for Integer parameter [{key}].")
        elif value <= 0:
            errors.append(f"parameter validation failed for Integer parameter [{key}].")
    if errors:
        raise ValueError(validation_failed(errors))
    if dimension is None:
        raise ValueError(f"{REFUSES}Dimension value missing for vector: {simple}")
