"""Typer checks every command-line value through a pydantic ``TypeAdapter``, built on first
use, and builds it even for an option left out (``None``): that alone loads pydantic for every
command. Here a value left out stays ``None`` (``()`` for a list), a plain text value stays
the text and an int, bool or float for a parameter of exactly that type stays that value
(Click has already checked a range), exactly as Typer's adapters answer; any other value goes to Typer's own adapter, built
only then. A listing command with its usual options thus never imports pydantic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param

_SELF_VALIDATING = (int, bool, float)  # pydantic's adapter gives such a value back unchanged


@dataclass(frozen=True)
class DeferredRuntimeParam(RuntimeParam):
    """Typer's coercion for one parameter, its adapter built only for a value it must check."""

    descriptor: TypeDescriptor | None = None
    _built: list[RuntimeParam] = field(default_factory=list)

    def _coerce_value(self, value: Any, param, ctx) -> Any:
        if type(value) is str and self._plain_text():
            return value  # Typer's str adapter: str(value), the same text
        if type(value) is self.annotation in _SELF_VALIDATING and self.parameter_info.parser is None:
            return value  # an int / bool / float already (a default, or Click's converted value): the same value
        if not self._built:
            self._built.append(build_runtime_param(self.descriptor))
        return self._built[0]._coerce_value(value, param=param, ctx=ctx)

    def _plain_text(self) -> bool:
        return (self.annotation is str and self.parameter_info.parser is None
                and self.descriptor.file_annotation is None)


def defer_coercion(param) -> None:
    """Give a Typer parameter the deferred coercion (no-op for Click's own parameters)."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", True) is not None:
        return
    param._runtime_param = DeferredRuntimeParam(parameter_info=descriptor.parameter_info,
                                                annotation=descriptor.annotation, descriptor=descriptor)
