"""Whether an OpenSearch ``knn_vector`` field (``index_knn``) takes a document's value, and
what the k-NN plugin says when it does not.

Facts (k-NN 2.19: ``KNNVectorFieldMapper`` (``parseCreateField``, ``getFloatsFromContext``,
``getBytesFromContext``, ``parsesArrayValue``), ``KNNValidationUtil``
(``validateFloatVectorValue``, ``validateByteVectorValue``, ``validateVectorDimension``),
``PerDimensionValidator``, ``SpaceType.COSINESIMIL.validateVector``,
``AbstractKNNMethod.doGetVectorValidator``, ``FlatVectorFieldMapper``; OpenSearch's
``FieldMapper.parse`` and ``AbstractXContentParser`` (``floatValue``, ``readValue``);
recorded bulk answers):

- the field reads a whole array (``[0.5, 1.5]``), one number (a vector of one value), or
  ``null`` (no vector); each value is read as the parser reads a float: a number (cast to a
  32-bit float: past its range it is infinite), or a string ``Float.parseFloat`` reads
  (``For input string: "x"``, ``number_format_exception``); any other value fails without
  a message of its own (the parser's quotes its position in the record);
- ``float``: each value finite (``KNN vector values cannot be NaN``, ``... cannot be
  infinity``); ``byte`` and ``binary``: each also whole and within [-128, 127]
  (``[data_type] field was set as [byte] in index mapping. But, KNN vector values are
  floats instead of byte integers``, ``... are not within in the byte range [-128, 127]``);
- faiss's ``sq`` encoder of type ``fp16`` (``FaissFP16Util``): each value also within
  [-65504, 65504] (``encoder name is set as [sq] and type is set as [fp16] in index
  mapping. But, KNN vector values are not within in the FP16 range [-65504.000000,
  65504.000000]``), or, with ``clip``, clipped to it;
- a field of a model the cluster does not hold fails any value, ``null`` too (``Model ID
  'm' is not created.``, an ``illegal_state_exception``, the whole value previewed);
- then the count: ``Vector dimension mismatch. Expected: 3, Given: 2``; for ``binary`` each
  value is 8 bits (``The dimension of the binary vector must be 8 times the length of the
  provided vector. Expected: 16, Given: 8``); a string, a boolean or an object is no vector
  at all (``Given: 0``);
- on a k-NN index whose space type is ``cosinesimil``: ``zero vector is not supported when
  space type is [cosinesimil]``;
- each fails the document with ``failed to parse field [v] of type [knn_vector] in
  document with id 'ID'. Preview of field's value: 'P'``, ``P`` read where the parser
  stopped: the value that failed, ``null`` once the whole vector was read (a count or a
  zero vector), the value itself when it was no array or number.
"""

from __future__ import annotations

import math
from typing import Any

from pytest_firehose._destinations.index_values import (
    OK,
    Check,
    NoFloat,
    Previewed,
    float_value,
    preview,
)

#: The range faiss's ``fp16`` scalar quantizer takes (``KNNConstants.FP16_MAX_VALUE``).
FP16_MAX = 65504.0
#: ``FaissFP16Util.validateFP16VectorValue``'s reason (its ``%f`` of the float bounds).
_FP16_RANGE = (
    "encoder name is set as [sq] and type is set as [fp16] in index mapping. But, KNN vector "
    "values are not within in the FP16 range [-65504.000000, 65504.000000]"
)


def _value_error(number: float, data_type: str, fp16: str | None) -> str | None:
    """``PerDimensionValidator``'s check of one value (after ``clip``, where ``fp16`` is
    ``"clip"``): its reason, None where it passes."""
    if math.isnan(number):
        return "KNN vector values cannot be NaN"
    if math.isinf(number):
        return "KNN vector values cannot be infinity"
    if fp16 == "check" and not -FP16_MAX <= number <= FP16_MAX:
        return _FP16_RANGE
    if data_type == "float":
        return None
    said = f"[data_type] field was set as [{data_type}] in index mapping. But, KNN vector values"
    if not number.is_integer():
        return f"{said} are floats instead of byte integers"
    if not -128 <= int(number) <= 127:
        return f"{said} are not within in the byte range [-128, 127]"
    return None


def vector_check(
    dimension: int, data_type: str, cosine: bool, fp16: str | None = None, model: str | None = None
) -> Check:
    """The check of a ``knn_vector`` field of ``dimension`` values of ``data_type``
    (``float``, ``byte``, ``binary``); ``cosine``: a k-NN index's ``cosinesimil`` field,
    which refuses a zero vector; ``fp16``: faiss's ``sq`` encoder of type ``fp16``, which
    checks each value's range (``"check"``) or clips it to the range (``"clip"``);
    ``model``: the id of the model the field names, which the cluster does not hold. A value
    it does not take answers a :class:`Previewed`."""

    def check(value: Any) -> Any:
        if model is not None:
            return Previewed(
                ("illegal_state_exception", f"Model ID '{model}' is not created."), preview(value)
            )
        if value is None:
            return OK
        if isinstance(value, list):
            items = value
        elif value is not True and value is not False and isinstance(value, (int, float)):
            items = [value]
        else:
            items = []
        numbers: list[float] = []
        for item in items:
            try:
                number = float_value(item)
            except NoFloat as failure:
                return Previewed(failure.cause, preview(item))
            reason = _value_error(number, data_type, fp16)
            if reason is not None:
                return Previewed(("illegal_argument_exception", reason), preview(item))
            numbers.append(number)
        # Once the vector is read the parser is past it: the preview reads nothing.
        after = "null" if items or isinstance(value, list) else preview(value)
        given = len(numbers) * (8 if data_type == "binary" else 1)
        if given != dimension:
            if data_type == "binary":
                reason = (
                    "The dimension of the binary vector must be 8 times the length of the "
                    f"provided vector. Expected: {dimension}, Given: {given}"
                )
            else:
                reason = f"Vector dimension mismatch. Expected: {dimension}, Given: {given}"
            return Previewed(("illegal_argument_exception", reason), after)
        if cosine and all(number == 0 for number in numbers):
            reason = "zero vector is not supported when space type is [cosinesimil]"
            return Previewed(("illegal_argument_exception", reason), after)
        return OK

    return check
