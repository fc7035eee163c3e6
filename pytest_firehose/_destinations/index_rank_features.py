"""OpenSearch's ``rank_feature`` and ``rank_features`` fields (the mapper-extras module's):
their parameters, and which of a document's values they take. Both keep state across a
document (one value a field or feature), so the document reads them (``index_documents``)
with :func:`feature_answer`.

Facts (OpenSearch's source: ``RankFeatureFieldMapper`` (``Builder``, ``parseCreateField``),
``RankFeaturesFieldMapper`` (``Builder``, ``parse``), ``AbstractXContentParser.floatValue``,
Lucene's ``FeatureField.setFeatureValue``, Java's ``Float.parseFloat``):

- ``rank_feature`` takes ``positive_score_impact`` (a strict boolean, ``true`` unless given:
  shown only when ``false``) and ``meta``; a value is a number or a string
  ``Float.parseFloat`` reads (``For input string: "x"``, ``empty String``), as a float;
  ``null`` is no value; a second value of the field in one document fails it
  (``[rank_feature] fields do not support indexing multiple values for the same field [f]
  in the same document``); with ``positive_score_impact`` ``false`` the value indexed is
  ``1 / value``; the value indexed must be finite and at least ``Float.MIN_NORMAL``
  (``featureValue must be a positive normal float, got: -1.0 for feature f on field
  _feature which is less than the minimum positive normal float: 1.1754944E-38``,
  ``featureValue must be finite, got: Infinity for feature f on field _feature``); each
  fails with ``failed to parse field [f] of type [rank_feature] ...`` and that cause;
- ``rank_features`` takes ``meta`` only; a value is an object of feature names to numbers
  (or strings read as above; ``null`` skipped); anything else, ``null`` too, fails with
  ``failed to parse`` (the field's own exception) caused by ``[rank_features] fields must be
  json objects, expected a START_OBJECT but got: VALUE_NUMBER``; a feature's value that is
  no number or string by ``[rank_features] fields take hashes that map a feature to a
  strictly positive float, but got unexpected token START_OBJECT``; a feature given twice
  in one document (an array of objects) by ``[rank_features] fields do not support
  indexing multiple values for the same rank feature [f.a] in the same document``; the
  feature value checked as above, ``for feature a on field f``;
- neither takes ``ignore_malformed`` or other parameters (``unknown parameter [x] on mapper
  [f] of type [rank_feature]``).

Chosen: ``copy_to`` and ``fields`` on either, and either as a sub-field, are refused as not
modelled; a string is read as ``Double.parseDouble`` reads it, then rounded to a float (Java
rounds the decimal to a float once: the two differ only on rare halfway cases).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_mapping import Leaf
from pytest_firehose._destinations.index_special import (
    REFUSES,
    check_parameter,
    dropped,
    java_boolean,
    json_token,
)
from pytest_firehose._destinations.index_values import (
    OK,
    NoFloat,
    float_value,
    java_float,
    java_float_text,
)

TYPES = ("rank_feature", "rank_features")
_PARAMETERS = {
    "rank_feature": ("positive_score_impact", "meta"),
    "rank_features": ("meta",),
}
_NOT_MODELLED = ("copy_to", "fields")
#: ``Float.MIN_NORMAL``, and as Java prints it.
_MIN_NORMAL = 1.1754943508222875e-38
_MIN_NORMAL_TEXT = "1.1754944E-38"


def rank_feature_field(name: str, kind: str, definition: Mapping[str, Any], *, multi: bool) -> Leaf:
    """The ``rank_feature`` or ``rank_features`` field ``name`` (its full path) as
    ``definition`` (without its type) defines it; ValueError with the reason for one
    OpenSearch refuses or the fake does not model."""
    simple = name.rsplit(".", 1)[-1]
    if multi:
        raise ValueError(
            f"field [{name}]: a {kind} sub-field (in another field's fields) is not modelled: "
            f"give the {kind} a field of its own"
        )
    shown: dict[str, Any] = {}
    for key, value in definition.items():
        if key in _NOT_MODELLED:
            raise ValueError(f"field [{name}]: {key} on a {kind} field is not modelled")
        if dropped(key, _PARAMETERS[kind]):
            continue
        check_parameter(simple, kind, key, value, _PARAMETERS[kind])
        if key == "positive_score_impact":
            try:
                positive = java_boolean(value)
            except ValueError as error:
                raise ValueError(f"{REFUSES}{error}") from None
            if not positive:
                shown[key] = False
        elif value is not None:
            shown[key] = value
    return Leaf(kind, shown, _by_document)


def _by_document(value: Any) -> Any:
    """The check a rank field's leaf holds: none that takes a value, so that the document
    reads every value with :func:`feature_answer`."""
    return None


class _Failed(Exception):
    def __init__(self, cause: Any) -> None:
        super().__init__(cause)
        self.cause = cause


def _feature_value(number: float, feature: str, field: str) -> None:
    """Lucene's ``FeatureField.setFeatureValue`` check."""
    if not math.isfinite(number):
        raise _Failed(
            (
                "illegal_argument_exception",
                f"featureValue must be finite, got: {java_float_text(number)} for feature "
                f"{feature} on field {field}",
            )
        )
    if number < _MIN_NORMAL:
        raise _Failed(
            (
                "illegal_argument_exception",
                f"featureValue must be a positive normal float, got: {java_float_text(number)} "
                f"for feature {feature} on field {field} which is less than the minimum "
                f"positive normal float: {_MIN_NORMAL_TEXT}",
            )
        )


def feature_answer(leaf: Leaf, full: str, value: Any, seen: set[str]) -> Any:
    """What the rank field ``leaf`` at ``full`` answers for ``value`` (one value of an
    array, or ``null``), ``seen`` holding the fields and features the document gave
    already (and given this one's): OK, or the ``caused_by`` of its failure (a
    ``rank_features`` one is the document's whole error's cause: ``failed to parse``)."""
    try:
        if leaf.type == "rank_feature":
            _one_feature(leaf, full, value, seen)
        else:
            _features(full, value, seen)
    except (_Failed, NoFloat) as failed:
        return failed.cause
    return OK


def _one_feature(leaf: Leaf, full: str, value: Any, seen: set[str]) -> None:
    if value is None:
        return
    number = float_value(value)
    if full in seen:
        raise _Failed(
            (
                "illegal_argument_exception",
                "[rank_feature] fields do not support indexing multiple values for the same "
                f"field [{full}] in the same document",
            )
        )
    seen.add(full)
    if leaf.params.get("positive_score_impact", True) is False:
        number = java_float(1 / number) if number else math.copysign(math.inf, number)
    _feature_value(number, full, "_feature")


def _features(full: str, value: Any, seen: set[str]) -> None:
    if not isinstance(value, dict):
        raise _Failed(
            (
                "illegal_argument_exception",
                "[rank_features] fields must be json objects, expected a START_OBJECT but "
                f"got: {json_token(value)}",
            )
        )
    for feature, given in value.items():
        if given is None:
            continue
        if isinstance(given, (dict, list)) or given is True or given is False:
            raise _Failed(
                (
                    "illegal_argument_exception",
                    "[rank_features] fields take hashes that map a feature to a strictly "
                    f"positive float, but got unexpected token {json_token(given)}",
                )
            )
        number = float_value(given)
        key = f"{full}.{feature}"
        if key in seen:
            raise _Failed(
                (
                    "illegal_argument_exception",
                    "[rank_features] fields do not support indexing multiple values for the "
                    f"same rank feature [{key}] in the same document",
                )
            )
        seen.add(key)
        _feature_value(number, feature, full)
