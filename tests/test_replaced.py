"""``Replaced``, the doors' stand-in for ``mock.patch.object``: what it sets while its block
runs, and what it leaves afterwards (the owner as it was)."""

from __future__ import annotations

import types

import pytest

from pytest_firehose._doors.replaced import Replaced


class Base:
    inherited = "base's"

    def method(self) -> str:
        return "original"


class Child(Base):
    own = "child's"


def test_an_attribute_of_the_owner_is_put_back_as_the_very_object() -> None:
    original = vars(Base)["method"]
    with Replaced(Base, "method", lambda self: "replaced"):
        assert Base().method() == "replaced"
    assert vars(Base)["method"] is original
    assert Base().method() == "original"


def test_an_attribute_the_owner_inherits_is_inherited_again() -> None:
    with Replaced(Child, "inherited", "replaced"):
        assert Child.inherited == "replaced"
        assert Base.inherited == "base's"
    assert "inherited" not in vars(Child)
    assert Child.inherited == "base's"


def test_a_module_attribute_and_an_instance_attribute() -> None:
    module = types.ModuleType("somewhere")
    module.value = 1  # type: ignore[attr-defined]
    child = Child()
    child.own = "instance's"
    with Replaced(module, "value", 2), Replaced(child, "own", "replaced"):
        assert (module.value, child.own) == (2, "replaced")  # type: ignore[attr-defined]
    assert (module.value, child.own) == (1, "instance's")  # type: ignore[attr-defined]


def test_an_attribute_that_does_not_exist_is_refused_and_nothing_is_added() -> None:
    with pytest.raises(AttributeError, match="moved"), Replaced(Child, "moved", "replaced"):
        pass
    assert not hasattr(Child, "moved")


def test_it_can_replace_again_after_its_block() -> None:
    replaced = Replaced(Child, "own", "replaced")
    for _ in range(2):
        with replaced:
            assert Child.own == "replaced"
        assert Child.own == "child's"
