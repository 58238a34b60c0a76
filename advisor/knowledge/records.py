"""Plain data classes for the knowledge base and the results, validated and serialised by pydantic on demand.

A command only builds and reads these objects: importing pydantic and building its model classes
cost more than the advice itself (issue 15). So the classes are standard dataclasses, and pydantic
is imported the first time something is validated (a file read) or written out (JSON, a schema).
Pydantic then reads each class's fields, the constraints given as ``Annotated[..., Check(...)]``
or as ``field(metadata=...)`` (``alias``, ``ge``, ``min_length``, ``description``…), and raises what
a ``__post_init__`` raises as a validation error.

``Record`` keeps the names of pydantic's methods (``model_validate``, ``model_validate_json``,
``model_construct``, ``model_dump``, ``model_dump_json``, ``model_copy``, ``model_json_schema``), which
the library's users already call; records are no longer ``pydantic.BaseModel`` instances.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, TypeVar

R = TypeVar("R", bound="Record")

# Not frozen, and equality is ``Record``'s: generating ``__setattr__``, ``__eq__`` and ``__hash__`` for
# each class costs a short command about a tenth of its time (Python 3.11 execs each method's source).
# Knowledge-base records are read-only by convention.
record = dataclass(kw_only=True, eq=False)


def spec(**options: Any) -> Any:
    """A field's default (``default`` or ``default_factory``) and what pydantic checks of it (``min_length``,
    ``ge``, ``alias``, ``description``…: the arguments of ``pydantic.Field``)."""
    defaults = {name: options.pop(name) for name in ("default", "default_factory") if name in options}
    if defaults.get("default_factory") is list:  # pydantic shows no default built by a factory: say it
        options.setdefault("json_schema_extra", {"default": []})
    return field(**defaults, metadata=options)


class Check:
    """Constraints on a value, as keys of its pydantic-core schema (``pattern``, ``min_length``, ``strict``…).

    Applied when pydantic validates (``Annotated[str, Check(min_length=1)]``); inert at run time.
    """

    __slots__ = ("schema",)

    def __init__(self, **schema: Any) -> None:
        self.schema = schema

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema.update(self.schema)
        return schema


@cache
def adapter(cls: type) -> Any:
    """Pydantic's validator and serialiser of a record class, built once per process."""
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


class Record:
    """Base of the record classes: unknown keys are errors when validating; pydantic-like methods."""

    __pydantic_config__ = {"extra": "forbid", "populate_by_name": True}
    __hash__ = None  # type: ignore[assignment]  # equal by value, and mutable

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    @classmethod
    def model_validate(cls: type[R], data: Any) -> R:
        """Validate data (a mapping) into this class.

        Raises:
            pydantic.ValidationError: the data does not fit.
        """
        return adapter(cls).validate_python(data)  # type: ignore[no-any-return]

    @classmethod
    def model_validate_json(cls: type[R], text: str | bytes) -> R:
        """Validate JSON text into this class.

        Raises:
            pydantic.ValidationError: the text is not JSON, or does not fit.
        """
        return adapter(cls).validate_json(text)  # type: ignore[no-any-return]

    @classmethod
    def model_construct(cls: type[R], **values: Any) -> R:
        """An instance from values already checked (not validated, as in pydantic)."""
        return cls(**values)

    @classmethod
    def model_json_schema(cls, mode: str = "validation") -> dict[str, Any]:
        """The JSON Schema of this class (``mode="serialization"``: as written out)."""
        return adapter(cls).json_schema(mode=mode)  # type: ignore[no-any-return]

    def model_dump(self, *, mode: str = "python", **options: Any) -> Any:
        """The record as a dict (``mode="json"``: only JSON types); options as pydantic's ``model_dump``."""
        return adapter(type(self)).dump_python(self, mode=mode, **options)

    def model_dump_json(self, *, indent: int | None = None, **options: Any) -> str:
        """The record as JSON text; options as pydantic's ``model_dump_json``."""
        return adapter(type(self)).dump_json(self, indent=indent, **options).decode()  # type: ignore[no-any-return]

    def model_copy(self: R, *, update: dict[str, Any] | None = None, deep: bool = False) -> R:
        """A copy with some fields replaced (not validated, as in pydantic); ``deep``: nested values copied too."""
        return replace(copy.deepcopy(self) if deep else self, **(update or {}))  # type: ignore[type-var]
