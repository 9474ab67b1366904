"""Phase-1 records travel back from workers as the tuples of their values (facts._plain_state)."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from novadoclint import facts

RECORDS = sorted(
    (
        cls
        for cls in vars(facts).values()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and "__slots__" in vars(cls)
    ),
    key=lambda cls: cls.__name__,
)


def _example(cls: type) -> object:
    """An instance with a distinct value in each field (types do not matter to pickle)."""
    values = [f"{cls.__name__}.{field.name}" for field in dataclasses.fields(cls)]
    return cls(*values)


def test_every_slotted_record_is_covered() -> None:
    assert len(RECORDS) == 13 and facts.DocFacts in RECORDS


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: cls.__name__)
def test_a_record_pickles_as_its_values_and_back(cls: type) -> None:
    record = _example(cls)
    names = [field.name for field in dataclasses.fields(cls)]
    assert record.__getstate__() == tuple(getattr(record, name) for name in names)  # type: ignore[attr-defined]
    again = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(again) is cls and again == record and hash(again) == hash(record)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(again, names[0], "changed")


def test_a_state_of_the_wrong_length_is_refused() -> None:
    record = facts.Section("t", 1, "p", 1, (), -1)
    blank = object.__new__(facts.Section)
    with pytest.raises(ValueError):
        blank.__setstate__(record.__getstate__()[:-1])  # type: ignore[attr-defined]
