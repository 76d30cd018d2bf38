"""Reading a JSON object into a frozen dataclass one field at a time: a field that is wrong falls back to
its default alone, and says so, instead of taking the valid ones down with it.

Used for settings.json and for the settings a conversation stores. A field's type comes from the
dataclass's annotations (`str`, `bool`, `int`, `float`, `X | None`, `tuple[str, ...]`, a nested
dataclass), narrowed with `OneOf` / `Range` in `Annotated[...]`; the dataclass's own `__post_init__`
checks (sampling ranges) run for each field as it is added. JSON's own types only: `"false"` is not
silently true, and a string is not a list of its characters. (Hand-written rather than pydantic: the
window reads its settings before it shows, and pydantic's import costs ~100 ms there.)
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from chatapp.core.errors import KnownError

T = TypeVar("T")


class Invalid(ValueError):
    """One field's value cannot be used."""


@dataclasses.dataclass(frozen=True)
class OneOf:
    choices: tuple[str, ...]

    def check(self, value: Any) -> None:
        if value not in self.choices:
            raise Invalid(f"must be one of {', '.join(self.choices)}")


@dataclasses.dataclass(frozen=True)
class Range:
    low: int
    high: int

    def check(self, value: Any) -> None:
        if not self.low <= value <= self.high:
            raise Invalid(f"must be between {self.low} and {self.high}")


def read_dataclass(cls: type[T], data: Any, where: str = "") -> tuple[T, list[str]]:
    """`cls` built from the valid fields of `data` (the others at their defaults), and one line per field
    that was dropped (`where` prefixes its name). Unknown keys are ignored: a newer chatapp's."""
    if not isinstance(data, Mapping):
        return cls(), [f"{where.rstrip('.') or 'the file'}: not an object (got {_shown(data)}); using the defaults"]
    kept, problems = valid_fields(cls, data, where)
    return cls(**kept), problems


def valid_fields(cls: type, data: Mapping[str, Any], where: str = "") -> tuple[dict[str, Any], list[str]]:
    """The fields of `data` that dataclass `cls` accepts, each checked alone, and a line per one that is not."""
    problems: list[str] = []
    hints = typing.get_type_hints(cls, include_extras=True)
    kept: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name not in data:
            continue
        name = f"{where}{field.name}"
        try:
            value = _convert(hints[field.name], data[field.name], f"{name}.", problems)
            cls(**{**kept, field.name: value})  # the class's own checks, on this field
        except Invalid as exc:
            problems.append(f"{name}: {exc} (got {_shown(data[field.name])}); using the default")
            continue
        except (KnownError, TypeError, ValueError) as exc:  # the class's own sentence names the value
            problems.append(f"{name}: {str(exc).rstrip('.')}; using the default")
            continue
        kept[field.name] = value
    return kept, problems


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _convert(annotation: Any, value: Any, where: str, problems: list[str]) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *rules = typing.get_args(annotation)
        value = _convert(base, value, where, problems)
        for rule in rules:
            rule.check(value)
        return value
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return _convert(inner, value, where, problems)
    if origin is tuple:
        item, _ = typing.get_args(annotation)
        if not isinstance(value, list):
            raise Invalid("must be a list")
        return tuple(_convert(item, v, where, problems) for v in value)
    if dataclasses.is_dataclass(annotation):
        result: Any
        result, inner_problems = read_dataclass(typing.cast(type, annotation), value, where)
        problems.extend(inner_problems)
        return result
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise Invalid("must be true or false")
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise Invalid("must be a whole number")
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise Invalid("must be a number")
    if annotation is str:
        if isinstance(value, str):
            return value
        raise Invalid("must be text")
    raise TypeError(f"fields.py cannot read {annotation!r}")  # a new field type: teach _convert
