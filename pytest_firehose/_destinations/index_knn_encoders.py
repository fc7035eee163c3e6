"""A k-NN index's quantizer for a ``knn_vector`` field (``index_knn``): the engine and the
method's ``encoder`` resolved from the field's ``mode`` and ``compression_level`` as the
k-NN plugin resolves them, and the encoder checked as the plugin checks it.

Facts (k-NN 2.19: ``Mode``, ``CompressionLevel``, ``EngineResolver``,
``AbstractMethodResolver``, ``FaissMethodResolver``, ``LuceneMethodResolver``,
``NmslibMethodResolver``, ``FaissHNSWMethod`` (its encoders), ``FaissFlatEncoder``,
``FaissSQEncoder``, ``FaissHNSWPQEncoder`` and ``AbstractFaissPQEncoder``,
``QFrameBitEncoder``, ``LuceneSQEncoder``, ``Parameter`` (its kinds and their messages),
``MethodComponent.isTrainingRequired``, ``AbstractFaissMethod`` and ``FaissFP16Util``):

- the engine, where the method names none: lucene for ``4x`` (the only engine that takes
  it), else faiss;
- each engine takes some compression levels (faiss ``1x``, ``2x``, ``8x``, ``16x``,
  ``32x``; lucene ``1x``, ``4x``; nmslib ``1x``: ``"lucene" does not support "2x"
  compression``); ``on_disk`` refuses ``1x`` (``Cannot specify "x1" compression level when
  using "on_disk" mode``) and nmslib (``Nmslib engine does not support disk-based search``);
- without an ``encoder`` a float field whose compression is given (or whose mode is
  ``on_disk``, faiss ``32x``, lucene ``4x``) gets one: faiss ``2x`` ``sq`` of type ``fp16``,
  ``8x``/``16x``/``32x`` ``binary`` of 4, 2 or 1 ``bits``; lucene ``sq``;
- a given encoder has a compression of its own (faiss ``flat`` ``1x``, ``sq`` ``2x``,
  ``binary`` by its ``bits``, ``pq`` by ``dimension * 32 / (m * code_size)``; lucene ``sq``
  ``4x``): one that differs from the given ``compression_level`` is refused (``Cannot
  specify an encoder that conflicts with the provided compression level``);
- the encoder is then one of the method's (faiss's ``flat``, ``sq``, ``pq``, ``binary``;
  lucene's ``sq``) with its data types and parameters, else ``parameter validation failed
  for MethodComponentContext parameter [encoder].``; ``pq`` needs training;
- faiss's ``sq`` of type ``fp16`` checks each value of a document against [-65504, 65504],
  or, with ``clip``, clips it to that range.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_special import REFUSES

ENCODER = "encoder"
_SUPPORTED = {
    "faiss": ("1x", "2x", "8x", "16x", "32x"),
    "lucene": ("1x", "4x"),
    "nmslib": ("1x",),
}
#: Faiss's binary quantizer: the bits per value of each compression, and back.
_BITS = {"8x": 4, "16x": 2, "32x": 1}
_LEVELS = ("1x", "2x", "4x", "8x", "16x", "32x", "64x")


def validation_failed(errors: list[str]) -> str:
    """A ``ValidationException``'s message, as the mapping refusal quotes it."""
    listed = "".join(f"{at}: {error};" for at, error in enumerate(errors, 1))
    return f"{REFUSES}Validation Failed: {listed}"


def resolve_engine(given: str | None, compression: str) -> str:
    """``EngineResolver``: the engine the method names, else lucene for ``4x``, else faiss."""
    if given is not None:
        return given
    return "lucene" if compression == "4x" else "faiss"


def _integer(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and -(2**31) <= value < 2**31


def _pq_m(value: Any, dimension: int) -> bool:
    return _integer(value) and 0 < value < 1024 and dimension % value == 0


def _ci(value: Any) -> bool:
    if value == 0 and not isinstance(value, bool):
        return True
    return isinstance(value, float) and 0.9 <= value <= 1.0


#: Each engine's encoders: their data types and each parameter's check (of the value and
#: the dimension) and kind, as its message names it.
_ENCODERS: dict[str, dict[str, tuple[tuple[str, ...], dict[str, tuple[Any, str]]]]] = {
    "faiss": {
        "flat": (("float", "byte", "binary"), {}),
        "sq": (
            ("float",),
            {
                "type": (lambda v, d: v == "fp16", "String"),
                "clip": (lambda v, d: isinstance(v, bool), "Boolean"),
            },
        ),
        "pq": (
            ("float",),
            {
                "m": (_pq_m, "Integer"),
                "code_size": (lambda v, d: _integer(v) and v == 8, "Integer"),
            },
        ),
        "binary": (("float",), {"bits": (lambda v, d: _integer(v) and v in (1, 2, 4), "Integer")}),
    },
    "lucene": {
        "sq": (
            ("float",),
            {
                "confidence_interval": (lambda v, d: _ci(v), "Double"),
                "bits": (lambda v, d: _integer(v) and v == 7, "Integer"),
            },
        ),
    },
}


def _parameter_error(engine: str, encoder: str, name: str, value: Any, dimension: int) -> str:
    """``Parameter.validate`` of one of an encoder's parameters: its message, "" where it
    passes."""
    check, kind = _ENCODERS[engine][encoder][1][name]
    if kind == "Double" and value is None:
        return f'Null value provided for Double parameter "{name}".'
    if kind == "Integer":
        wrong = not _integer(value)
    else:
        wrong = not isinstance(value, {"String": str, "Boolean": bool, "Double": float}[kind])
        wrong = wrong and not (kind == "Double" and value == 0 and not isinstance(value, bool))
    if wrong:
        return f"value is not an instance of {kind} for {kind} parameter [{name}]."
    if not check(value, dimension):
        return f"parameter validation failed for {kind} parameter [{name}]."
    return ""


def known_encoder(engine: str, component: Any) -> None:
    """Refuses an encoder that is no object, or none of the engine's: the plugin fails on
    those with a Java exception rather than an answer."""
    if not isinstance(component, Mapping):
        raise ValueError(
            'a knn_vector method\'s encoder is an object ({"name": ..., "parameters": ...}): '
            "the k-NN plugin fails on any other value with a ClassCastException"
        )
    if component["name"] not in _ENCODERS[engine]:
        names = ", ".join(_ENCODERS[engine])
        raise ValueError(
            f"a knn_vector method's encoder {component['name']!r} is none of {engine}'s "
            f"({names}): the k-NN plugin fails on it with a NullPointerException"
        )


def _own_compression(engine: str, component: Mapping[str, Any], dimension: int) -> str:
    """``Encoder.calculateCompressionLevel`` of a given encoder ("" where it has none)."""
    name = component["name"]
    parameters = component["parameters"] or {}
    if engine == "lucene":
        return "4x" if name == "sq" else ""
    if name in ("flat", "sq"):
        return "1x" if name == "flat" else "2x"
    if name == "binary":
        if "bits" not in parameters:
            return ""
        error = _parameter_error(engine, name, "bits", parameters["bits"], dimension)
        if error:
            raise ValueError(validation_failed([error]))
        return {1: "32x", 2: "16x", 4: "8x"}[parameters["bits"]]
    if name == "pq" and "m" in parameters and "code_size" in parameters:
        for key in ("m", "code_size"):
            error = _parameter_error(engine, name, key, parameters[key], dimension)
            if error:
                raise ValueError(validation_failed([error]))
        ratio = dimension * 32 / (parameters["m"] * parameters["code_size"])
        at = sum(ratio >= bound for bound in (2, 4, 8, 16, 32, 64))
        return _LEVELS[at]
    return ""


def resolve_encoder(
    engine: str,
    parameters: dict[str, Any],
    mode: str | None,
    compression: str,
    dimension: int,
) -> None:
    """The engine's method resolver (``FaissMethodResolver``, ``LuceneMethodResolver``,
    ``NmslibMethodResolver``): checks ``mode`` and ``compression`` against the engine, and
    adds to the method's resolved ``parameters`` the encoder they choose."""
    errors: list[str] = []
    if compression and compression not in _SUPPORTED[engine]:
        errors.append(f'"{engine}" does not support "{compression}" compression')
    if engine == "nmslib" and mode == "on_disk":
        errors.append("Nmslib engine does not support disk-based search")
    elif engine != "nmslib" and compression == "1x" and mode == "on_disk":
        errors.append('Cannot specify "x1" compression level when using "on_disk" mode')
    if errors:
        raise ValueError(validation_failed(errors))
    if engine == "nmslib":
        return
    own = "1x"
    if ENCODER in parameters:
        if not isinstance(parameters[ENCODER], Mapping):
            known_encoder(engine, parameters[ENCODER])
        if parameters[ENCODER]["name"] in _ENCODERS[engine]:
            own = _own_compression(engine, parameters[ENCODER], dimension)
        else:
            own = ""
    else:
        level = compression or ("" if mode != "on_disk" else _ON_DISK[engine])
        if level and level != "1x":
            parameters[ENCODER] = _chosen(engine, level)
            own = level
    if compression and own and own != compression:
        conflict = "Cannot specify an encoder that conflicts with the provided compression level"
        raise ValueError(validation_failed([conflict]))


#: The compression ``on_disk`` takes where none is given.
_ON_DISK = {"faiss": "32x", "lucene": "4x"}


def _chosen(engine: str, level: str) -> dict[str, Any]:
    """The encoder a resolver chooses for a compression level, its defaults added."""
    if engine == "lucene":
        return {"name": "sq", "parameters": {"bits": 7}}
    if level == "2x":
        return {"name": "sq", "parameters": {"type": "fp16", "clip": False}}
    return {"name": "binary", "parameters": {"bits": _BITS[level]}}


def encoder_valid(
    engine: str, component: Mapping[str, Any], data_type: str, dimension: int
) -> bool:
    """``MethodComponentContextParameter``'s check of the (known) encoder: its data types
    and each parameter it is given."""
    data_types, checks = _ENCODERS[engine][component["name"]]
    if data_type not in data_types:
        return False
    for key, value in (component["parameters"] or {}).items():
        if key not in checks or _parameter_error(engine, component["name"], key, value, dimension):
            return False
    return True


def needs_training(engine: str, parameters: Mapping[str, Any]) -> bool:
    """Whether the method's encoder needs training (faiss's ``pq``)."""
    component = parameters.get(ENCODER)
    return engine == "faiss" and isinstance(component, Mapping) and component["name"] == "pq"


def fp16(engine: str, parameters: Mapping[str, Any]) -> str | None:
    """How faiss's ``sq`` encoder of type ``fp16`` takes a document's values: ``"check"``
    (refused out of range), ``"clip"`` (clipped to it), or None (not that encoder)."""
    component = parameters.get(ENCODER)
    if engine != "faiss" or not isinstance(component, Mapping) or component["name"] != "sq":
        return None
    given = component["parameters"] or {}
    if given.get("type", "fp16") != "fp16":
        return None
    return "clip" if given.get("clip", False) is True else "check"
