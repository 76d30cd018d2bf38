"""A chat template's budget: the time, text and list sizes one render may use, enforced inside Jinja.

A template in a GGUF file is code from whoever made the file. Jinja's sandbox stops it reaching Python
internals (CVE-2024-34359) but not exhausting the machine: a template can loop 10^10 times, build a
2 GB string or double a list sixty times, and the model thread would never come back. So every place
where a template's work can grow passes through a check here:
- every `for` loop's iterable is wrapped (the parse tree is rewritten), so each iteration is a step;
- calls, attribute and item lookups, filters, `+ * ** %` and namespace assignments are steps too, and
  what they take or make is measured against `MAX_CHARS` / `MAX_ITEMS`, *before* the work where the
  size can be known in advance (`"x" * n`, `s.center(n)`, a format width, `replace`);
- the output is collected piece by piece and cut off at `MAX_CHARS`;
- the clock is read every 1,024 steps: a render over `SECONDS` stops.
What is left unchecked is a single expression concatenating values with `~`: it can make at most as
many copies of a checked value as the template has characters, so memory stays bounded by the
template's own size.
"""

from __future__ import annotations

import contextvars
import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from chatapp.core.errors import QT_TRANSLATE_NOOP, Phrase, TemplateBudgetError

SECONDS = 3.0  # a real template renders a long conversation in milliseconds
MAX_CHARS = 8_000_000  # any one text, and the whole prompt (far beyond any context window)
MAX_ITEMS = 1_000_000  # any one list, tuple or dict
MAX_DEPTH = 100  # macros and calls nested inside each other
MAX_POWER_BITS = 4096  # a ** b beyond this many bits
MAX_INDENT = 64  # tojson(indent=...)
_CLOCK_EVERY = 1024
_WIDTH = re.compile(r"\d{7,}")  # a width or precision of a million or more in a format string
_SIZED_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice"})
_SIZED_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map"})


class _Budget:
    """One render's counters."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.steps = 0
        self.depth = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps % _CLOCK_EVERY == 0 and time.monotonic() > self.deadline:
            raise TemplateBudgetError(Phrase(QT_TRANSLATE_NOOP(
                "core", "ran for more than {seconds:g} seconds ({steps:,} steps)"),
                seconds=self.seconds, steps=self.steps))


_current: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("template_budget", default=None)


def _step() -> None:
    budget = _current.get()
    if budget is not None:
        budget.step()


def _too_big_text(chars: int) -> TemplateBudgetError:
    return TemplateBudgetError(Phrase(QT_TRANSLATE_NOOP("core", "tried to build a text of {chars:,} characters "
                                                        "(the limit is {limit:,})"), chars=chars, limit=MAX_CHARS))


def _too_many_items(items: int) -> TemplateBudgetError:
    return TemplateBudgetError(Phrase(QT_TRANSLATE_NOOP("core", "tried to build a list of {items:,} items "
                                                        "(the limit is {limit:,})"), items=items, limit=MAX_ITEMS))


def check_size(value: Any) -> Any:
    """`value` itself, unless it is a text or collection over the limits."""
    if isinstance(value, str):
        if len(value) > MAX_CHARS:
            raise _too_big_text(len(value))
    elif isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) > MAX_ITEMS:
        raise _too_many_items(len(value))
    return value


def _check_count(n: Any) -> None:
    """A width, count or repetition given to something that builds a text of that size."""
    if isinstance(n, int) and not isinstance(n, bool) and n > MAX_CHARS:
        raise _too_big_text(n)


def _check_format(fmt: Any, args: Iterable[Any]) -> None:
    """`%`-style and `str.format` widths are sizes too: `'%0999999999d'` is a gigabyte."""
    if isinstance(fmt, str):
        match = _WIDTH.search(fmt)
        if match is not None:
            raise _too_big_text(int(match.group()))
        if "*" in fmt or "{" in fmt:  # widths taken from the arguments
            for arg in args:
                _check_count(arg)


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, Sized) else 0


class _Loop:
    """An iterable whose every iteration is a step of the budget."""

    def __init__(self, iterable: Iterable[Any]) -> None:
        self.iterable = iterable

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable:
            _step()
            yield item

    def __len__(self) -> int:  # `loop.length` and `|length` keep working
        return len(self.iterable)  # type: ignore[arg-type]


def _loop_filter(value: Any) -> Any:
    # Undefined stays undefined (Jinja's own error for looping over nothing), everything else is counted.
    return value if value is None or not isinstance(value, Iterable) else _Loop(value)


class BudgetNamespace(Namespace):
    """`namespace()`, whose assignments are measured: the usual way a template carries a value across
    loop iterations, so the usual way it would double one."""

    def __setitem__(self, name: str, value: Any) -> None:
        _step()
        super().__setitem__(name, check_size(value))


def _budget_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that is a step, refuses sizes it would build, and whose result is measured."""

    passes_context = getattr(function, "jinja_pass_arg", None) is not None  # its first argument is Jinja's

    @functools.wraps(function)  # keeps jinja_pass_arg
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _step()
        values = args[1:] if passes_context else args
        if name in _SIZED_FILTERS:
            for arg in (*values[1:], *kwargs.values()):
                _check_count(arg)
        elif name == "format" and values:
            _check_format(values[0], (*values[1:], *kwargs.values()))
        elif name == "replace" and len(values) >= 3:
            _check_replace(*values[:3])
        elif name == "tojson" and isinstance(kwargs.get("indent"), int) and kwargs["indent"] > MAX_INDENT:
            raise _too_big_text(kwargs["indent"] * MAX_ITEMS)  # indentation repeats on every line of every level
        return check_size(function(*args, **kwargs))

    return wrapper


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        count = text.count(old) if old else len(text) + 1
        size = len(text) + count * (len(new) - len(old))
        if size > MAX_CHARS:
            raise _too_big_text(size)


def _check_binop(op: str, left: Any, right: Any) -> None:
    if op == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(n, int) and isinstance(seq, (str, list, tuple)):
                size = _sized(seq) * max(n, 0)
                if isinstance(seq, str) and size > MAX_CHARS:
                    raise _too_big_text(size)
                if not isinstance(seq, str) and size > MAX_ITEMS:
                    raise _too_many_items(size)
    elif op == "+":
        if isinstance(left, str) and isinstance(right, str) and len(left) + len(right) > MAX_CHARS:
            raise _too_big_text(len(left) + len(right))
        if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)) and len(left) + len(right) > MAX_ITEMS:
            raise _too_many_items(len(left) + len(right))
    elif op == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0 \
                and right * abs(left).bit_length() > MAX_POWER_BITS:
            raise TemplateBudgetError(Phrase(QT_TRANSLATE_NOOP("core", "tried to compute a number of more than "
                                                               "{bits:,} bits"), bits=MAX_POWER_BITS))
    elif op == "%":
        _check_format(left, right if isinstance(right, tuple) else (right,))


def _count_loops(tree: nodes.Template) -> nodes.Template:
    """Every `for` loop's iterable wrapped in the counting filter."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Filter(loop.iter, "budget_loop", [], [], None, None, lineno=loop.lineno)
    return tree


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with the budget's checks on every hook Jinja offers a sandbox."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["namespace"] = BudgetNamespace

    def finalize_filters(self) -> None:
        """Wrap the filters (call once all filters are registered)."""
        self.filters = {name: _budget_filter(name, f) for name, f in self.filters.items()}
        self.filters["budget_loop"] = _loop_filter

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _count_loops(super()._parse(source, name, filename))

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        _step()
        _check_binop(operator_, left, right)
        return check_size(super().call_binop(context, operator_, left, right))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _step()
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # Jinja passes these positionally
        budget = _current.get()
        if budget is not None:
            budget.step()
            if budget.depth >= MAX_DEPTH:
                raise TemplateBudgetError(Phrase(QT_TRANSLATE_NOOP("core", "nested calls more than {depth} deep"),
                                                 depth=MAX_DEPTH))
        for arg in (*args, *kwargs.values()):
            check_size(arg)
        target = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str) and getattr(target, "__name__", "") in _SIZED_STR_METHODS:
            for arg in (*args, *kwargs.values()):
                _check_count(arg)
            if target.__name__ in ("format", "format_map"):
                _check_format(owner, ())
        elif isinstance(owner, str) and getattr(target, "__name__", "") == "replace" and len(args) >= 2:
            _check_replace(owner, args[0], args[1])
        if budget is not None:
            budget.depth += 1
        try:
            return check_size(super().call(__context, __obj, *args, **kwargs))
        finally:
            if budget is not None:
                budget.depth -= 1


def render_within_budget(template: Any, context: dict[str, Any]) -> str:
    """Render a compiled template of a `BudgetedEnvironment`, refusing what exceeds the budget."""
    token = _current.set(_Budget(SECONDS))
    try:
        pieces: list[str] = []
        size = 0
        for piece in template.generate(**context):
            size += len(piece)
            if size > MAX_CHARS:
                raise _too_big_text(size)
            pieces.append(piece)
            _step()
        return "".join(pieces)
    finally:
        _current.reset(token)

