"""A JSON schema as a GBNF grammar, for the sampler to keep a reply inside it.

Built on llama-cpp-python's converter (`llama_cpp.llama_grammar.SchemaConverter`), with what it gets
wrong or leaves out done here:
- strings never contain raw control characters (its `char` rule lets a newline into a string, which
  is not JSON);
- whitespace between tokens may be a newline and an indent, so a model may pretty-print (its rule
  allows one optional space only);
- integer `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum` become digit-range rules (it
  ignores them), and so do `number` bounds when they are whole numbers ≥ 0;
- `{}` and `true` mean any JSON value (it reads them as "an object"); a `$ref` at the root works (it
  raised KeyError); an unanchored `pattern` is matched anywhere in the string, as JSON Schema says
  (it refused it);
- a string's length and an array's items are bounded with GBNF's own `{m,n}` (it nested an optional group
  per allowed character, and a `maxLength` of a few thousand — Claude Code's tools have 524,288 —
  overflowed llama.cpp's recursive parser and took the process down); a schema of annotations alone
  (`{"description": …}`) is any value;
- keywords the grammar cannot enforce (`not`, `if`/`then`/`else`, `uniqueItems`, `multipleOf`,
  `patternProperties`, `dependentSchemas`…) and remote `$ref`s are refused in an output format, naming
  where they are, rather than ignored: a reply must never look valid and not be. A tool's arguments are
  different: the caller checks them against the tool's schema when it runs the tool (an agent answers a
  bad call with an error the model reads), and refusing the request would refuse the whole agent (Claude
  Code's tools use `propertyNames`). There the grammar keeps every rule it can and leaves those keywords
  out (`relaxed`), so the arguments satisfy a schema that allows at least what the tool's allows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError

UNENFORCEABLE = ("not", "if", "then", "else", "uniqueItems", "multipleOf", "patternProperties",
                 "dependentSchemas", "dependentRequired", "propertyNames", "contains", "minProperties",
                 "maxProperties", "unevaluatedProperties", "unevaluatedItems")
SPACE = '| " " | "\\n" [ \\t]{0,20}'
CHAR = r'[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})'
MAX_DIGITS = 16  # as the converter's own integer rule: up to 16 digits


class SchemaError(KnownError):
    """A JSON schema that cannot become a grammar; the message names the part."""


def _refuse(reason: str, where: str) -> SchemaError:
    return SchemaError(QT_TRANSLATE_NOOP("core", "The JSON schema cannot be used at {where}: {reason}"),
                       where=where or "its root", reason=reason)


def schema_to_gbnf(schema: Any) -> str:
    """The grammar of the JSON values `schema` allows. Raises SchemaError naming the part it cannot use."""
    from llama_cpp.llama_grammar import SchemaConverter  # imported with llama.cpp, on the model thread

    converter = _converter_class(SchemaConverter)()
    if not isinstance(schema, (dict, bool)):
        raise _refuse("a schema is a JSON object (or true)", "")
    _check_against_the_metaschema(schema)
    _refuse_remote_refs(schema, [])
    schema = _inline_root_ref(schema) if isinstance(schema, dict) else schema
    try:
        if isinstance(schema, dict):
            schema = converter.resolve_refs(schema, "schema")
        converter.visit(schema, "")
    except SchemaError:
        raise
    except RecursionError:
        raise _refuse("it refers to itself without end", converter.where()) from None
    except (AssertionError, KeyError, ValueError, TypeError, IndexError) as exc:
        raise _refuse(str(exc) or type(exc).__name__, converter.where()) from None
    return str(converter.format_grammar())


def check_schema_text(text: str) -> None:
    """A schema typed into the window: JSON, and valid JSON Schema ("" is no schema). The grammar itself
    is built on the model thread (llama.cpp's converter), which says what it cannot enforce."""
    if not text.strip():
        return
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise SchemaError(QT_TRANSLATE_NOOP("core", "The JSON schema is not valid JSON: {reason}."),
                          reason=exc) from None
    if not isinstance(schema, (dict, bool)):
        raise _refuse("a schema is a JSON object (or true)", "")
    _check_against_the_metaschema(schema)


def _check_against_the_metaschema(schema: Any) -> None:
    """A schema that is not valid JSON Schema is refused with jsonschema's own words and where."""
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = " → ".join(str(p) for p in exc.path)
        raise _refuse(exc.message, where) from None


def _refuse_remote_refs(node: Any, path: list[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            raise _refuse(f"only references inside the schema work, not {ref}", " → ".join(path))
        for key, value in node.items():
            _refuse_remote_refs(value, [*path, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _refuse_remote_refs(value, [*path, str(i)])


def _inline_root_ref(schema: dict[str, Any]) -> dict[str, Any]:
    """A root that is only a `$ref` into its own `$defs` becomes that definition (keeping the defs)."""
    seen = set()
    while isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
        ref = schema["$ref"]
        if ref in seen:
            raise _refuse("it refers to itself without end", "$ref")
        seen.add(ref)
        target: Any = schema
        for part in ref[2:].split("/"):
            if not isinstance(target, dict) or part not in target:
                raise _refuse(f"{ref} does not exist", "$ref")
            target = target[part]
        if not isinstance(target, dict):
            raise _refuse(f"{ref} is not a schema", "$ref")
        defs: dict[str, Any] = {k: schema[k] for k in ("$defs", "definitions") if k in schema}
        schema = {**target, **defs}
    return schema


# Where a schema holds schemas (the rest of a schema's values are data: `const`, `enum`, `default`…).
_SCHEMA_MAPS = ("properties", "$defs", "definitions")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("additionalProperties", "items")


def relaxed(schema: Any) -> Any:
    """`schema` without the keywords the grammar cannot enforce: it allows everything `schema` allows
    (an object with `patternProperties` then takes any further properties)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in UNENFORCEABLE:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: relaxed(sub) for name, sub in value.items()}
        elif (key in _SCHEMA_LISTS or key == "items") and isinstance(value, list):
            out[key] = [relaxed(sub) for sub in value]
        elif key in _SCHEMA_VALUES:
            out[key] = relaxed(value)
        else:
            out[key] = value
    if any(k in schema for k in ("patternProperties", "unevaluatedProperties")) and out.get(
            "additionalProperties") in (None, False):
        out["additionalProperties"] = True
    return out


def _converter_class(base: type) -> type:
    """llama-cpp-python's converter with chatapp's corrections (see the module docstring)."""
    from llama_cpp.llama_grammar import PRIMITIVE_RULES, STRING_FORMAT_RULES, BuiltinRule

    fixed = {"char": BuiltinRule(CHAR, [])}

    class Converter(base):
        def __init__(self) -> None:
            super().__init__(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)
            self._rules["space"] = SPACE
            self._path: list[str] = []

        def where(self) -> str:
            return " → ".join(p for p in self._path if p) or ""

        def _add_primitive(self, name: str, rule: Any) -> str:
            rule = fixed.get(name, rule)
            added = self._add_rule(name, rule.content)
            for dep in rule.deps:
                if dep not in self._rules:
                    self._add_primitive(dep, fixed.get(dep) or PRIMITIVE_RULES.get(dep) or STRING_FORMAT_RULES[dep])
            return str(added)

        def visit(self, schema: Any, name: str) -> str:
            self._path.append(name.rsplit("-", 1)[-1] if name else "")
            try:
                return self._visit(schema, name)
            finally:
                self._path.pop()

        def _visit(self, schema: Any, name: str) -> str:
            reserved = ("root", "dot", *PRIMITIVE_RULES, *STRING_FORMAT_RULES)
            rule_name = f"{name}-" if name in reserved else name or "root"
            if schema is True or (isinstance(schema, dict) and set(schema) <= ANNOTATIONS):  # any value at all
                return str(self._add_rule(rule_name, self._add_primitive("value", PRIMITIVE_RULES["value"])))
            if not isinstance(schema, dict):
                raise _refuse("a schema is a JSON object (or true)", self.where())
            for keyword in UNENFORCEABLE:
                if keyword in schema:
                    raise _refuse(f"“{keyword}” cannot be enforced while the reply is written", self.where())
            kind = schema.get("type")
            if isinstance(kind, list):  # the converter's union keeps only each type, not its bounds or lengths
                return str(self._add_rule(rule_name, self._generate_union_rule(
                    name, [{**schema, "type": t} for t in kind])))
            if kind in ("integer", "number") and any(k in schema for k in _BOUNDS):
                return str(self._add_rule(rule_name, _bounded_number(schema, kind == "integer", self.where())))
            pattern = schema.get("pattern")
            if isinstance(pattern, str) and not (pattern.startswith("^") and pattern.endswith("$")):
                schema = {**schema, "pattern": _anchored(pattern)}
            if kind == "string" and "pattern" not in schema and "format" not in schema and (
                    "minLength" in schema or "maxLength" in schema):
                char = self._add_primitive("char", PRIMITIVE_RULES["char"])
                low, high = _counts(schema, "minLength", "maxLength", self.where())
                chars = f"{char}{_repeat(low, high)}" if high != 0 else ""
                return str(self._add_rule(rule_name, f'"\\"" {chars} "\\"" space'))
            items = schema.get("items")
            if kind == "array" and isinstance(items, dict | bool) and "prefixItems" not in schema and (
                    "minItems" in schema or "maxItems" in schema):
                item = self.visit(items, f"{name}{'-' if name else ''}item")
                low, high = _counts(schema, "minItems", "maxItems", self.where())
                more_high = None if high is None else high - 1
                more = f'("," space {item}){_repeat(max(low - 1, 0), more_high)}' if more_high != 0 else ""
                body = f"{item} {more}" if low >= 1 else f"({item} {more})?" if high != 0 else ""
                return str(self._add_rule(rule_name, f'"[" space {body} "]" space'))
            return str(super().visit(schema, name))

    return Converter


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _counts(schema: dict[str, Any], low_key: str, high_key: str, where: str) -> tuple[int, int | None]:
    low, high = schema.get(low_key, 0), schema.get(high_key)
    for key, value in ((low_key, low), (high_key, high)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise _refuse(f"{key} must be a whole number of 0 or more", where)
    if high is not None and high < low:
        raise _refuse(f"{high_key} {high} is below {low_key} {low}", where)
    return low, high


def _repeat(low: int, high: int | None) -> str:
    """GBNF's repetition: llama.cpp expands it lazily, whatever the bound."""
    if high is None:
        return "*" if low == 0 else "+" if low == 1 else f"{{{low},}}"
    return "" if low == high == 1 else f"{{{low},{high}}}"
# Keywords that say something about a value but constrain nothing: a schema of only these takes any value
# (Claude Code's tools have such properties: `{"description": "Optional input value…"}`).
ANNOTATIONS = frozenset({"description", "title", "examples", "default", "$comment", "deprecated", "readOnly",
                         "writeOnly", "$schema", "$id", "$anchor"})


def _anchored(pattern: str) -> str:
    """JSON Schema patterns match anywhere; the converter's must match the whole string."""
    head = pattern[1:] if pattern.startswith("^") else ".*" + pattern
    return "^" + (head if head.endswith("$") else head + ".*") + "$"


def _bounded_number(schema: dict[str, Any], integer: bool, where: str) -> str:
    lo, hi = _bounds(schema, integer, where)
    if integer:
        return f"({_int_range(lo, hi)}) space"
    # a number between whole bounds: the whole part in [lo, hi - 1] with any decimals, or hi itself
    if lo is None or lo < 0:
        raise _refuse("number bounds work only from a whole minimum of 0 or more (use an integer, or "
                      "bounds like 0 and 1)", where)
    parts = []
    if hi is None or hi > lo:
        parts.append(f'({_int_range(lo, None if hi is None else hi - 1)}) ("." [0-9]{{1,15}})?')
    if hi is not None:
        parts.append(f'{_literal(str(hi))} ("." "0"{{1,15}})?')
    return "(" + " | ".join(parts) + ") space"


def _bounds(schema: dict[str, Any], integer: bool, where: str) -> tuple[int | None, int | None]:
    values = {k: schema[k] for k in _BOUNDS if k in schema}
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _refuse(f"{key} must be a number", where)
        if not float(value).is_integer():
            raise _refuse(f"{key} {value}: only whole-number bounds can be enforced", where)
    if not integer and ("exclusiveMinimum" in values or "exclusiveMaximum" in values):
        raise _refuse("exclusive bounds work only for integers", where)
    lows = [int(values["minimum"])] if "minimum" in values else []
    lows += [int(values["exclusiveMinimum"]) + 1] if "exclusiveMinimum" in values else []
    highs = [int(values["maximum"])] if "maximum" in values else []
    highs += [int(values["exclusiveMaximum"]) - 1] if "exclusiveMaximum" in values else []
    lo, hi = max(lows, default=None), min(highs, default=None)
    if lo is not None and hi is not None and lo > hi:
        raise _refuse(f"no number is at least {lo} and at most {hi}", where)
    return lo, hi


def _int_range(lo: int | None, hi: int | None) -> str:
    """GBNF alternatives for the integers in [lo, hi] as JSON writes them (None: unbounded, up to 16 digits)."""
    biggest = 10**MAX_DIGITS - 1
    lo = -biggest if lo is None else lo
    hi = biggest if hi is None else hi
    alternatives = []
    if lo < 0:
        negative_hi = -lo
        negative_lo = 1 if hi >= 0 else -hi
        alternatives += [f'"-" {a}' for a in _natural_range(negative_lo, negative_hi)]
    if hi >= 0:
        alternatives += list(_natural_range(max(lo, 0), hi))
    return " | ".join(alternatives)


def _natural_range(lo: int, hi: int) -> Iterator[str]:
    """Non-negative integers in [lo, hi], grouped by digit count (no leading zeros)."""
    for digits in range(len(str(lo)), len(str(hi)) + 1):
        start = max(lo, 0 if digits == 1 else 10 ** (digits - 1))
        end = min(hi, 10**digits - 1)
        if start <= end:
            yield from (" ".join(seq) for seq in _same_length(str(start), str(end)))


def _same_length(lo: str, hi: str) -> Iterator[list[str]]:
    """Sequences of GBNF items matching the digit strings from lo to hi (same length)."""
    if not lo:
        yield []
        return
    rest = len(lo) - 1
    if lo[0] == hi[0]:
        for tail in _same_length(lo[1:], hi[1:]):
            yield [_literal(lo[0]), *tail]
        return
    if lo[1:] == "0" * rest and hi[1:] == "9" * rest:
        yield [f"[{lo[0]}-{hi[0]}]", *["[0-9]"] * rest]
        return
    for tail in _same_length(lo[1:], "9" * rest):
        yield [_literal(lo[0]), *tail]
    between = int(hi[0]) - int(lo[0])
    if between == 2:
        yield [_literal(str(int(lo[0]) + 1)), *["[0-9]"] * rest]
    elif between > 2:
        yield [f"[{int(lo[0]) + 1}-{int(hi[0]) - 1}]", *["[0-9]"] * rest]
    for tail in _same_length("0" * rest, hi[1:]):
        yield [_literal(hi[0]), *tail]


def _literal(text: str) -> str:
    return json.dumps(text)


MAX_CALLS = 8  # in one reply: a small model at temperature 0 may otherwise call the same tool forever


def tool_calls_to_gbnf(tools: list[tuple[str, Any]], fmt: Any, parallel: bool, from_start: bool) -> str:
    """The grammar of a reply's tool calls in `fmt` (core/tools/formats.py): each call's name one of
    `tools` (name, arguments schema) and its arguments valid against that tool's schema. Lazily
    applied (`from_start` False), it covers the text after the call's marker; from the start (a
    required or named call), the marker too. The schemas are `relaxed`: the tool's caller validates."""
    from llama_cpp.llama_grammar import SchemaConverter

    converter = _converter_class(SchemaConverter)()
    calls = []
    for i, (name, schema) in enumerate(tools):
        _check_against_the_metaschema(schema)
        schema = relaxed(_inline_root_ref(schema)) if isinstance(schema, dict) else schema
        try:
            if isinstance(schema, dict):
                schema = converter.resolve_refs(schema, f"tool{i}")
            args = converter.visit(schema, f"tool{i}-args")
        except SchemaError:
            raise
        except (AssertionError, KeyError, ValueError, TypeError, IndexError, RecursionError) as exc:
            raise _refuse(str(exc) or type(exc).__name__, f"{name} → {converter.where()}") from None
        calls.append((name, args))
    ws = converter._add_rule("ws", "[ \\t\\n]{0,8}")
    if fmt.layout == "name-args":
        alternatives = [f'{_literal(name)} ("[CALL_ID]" [A-Za-z0-9]{{9}})? "[ARGS]" {args}' for name, args in calls]
        call = converter._add_rule("call", " | ".join(alternatives))
        more = f'({ws} {_literal(fmt.trigger)} {call}){{0,{MAX_CALLS - 1}}}' if parallel else ""
        body = f"{call} {more}"
    else:
        id_part = ' ("," space "\\"id\\"" space ":" space "\\"" [A-Za-z0-9]{9} "\\"")?' if fmt.ids == "mistral" else ""
        alternatives = [f'"{{" space "\\"name\\"" space ":" space {_literal(json.dumps(name))} space "," space '
                        f'{_literal(json.dumps(fmt.args_key))} space ":" space {args}{id_part} "}}"'
                        for name, args in calls]
        call = converter._add_rule("call", " | ".join(alternatives))
        if fmt.layout == "array":
            more = f'("," {ws} {call}){{0,{MAX_CALLS - 1}}}' if parallel else ""
            body = f'{ws} "[" {ws} {call} {more} {ws} "]"'
        elif fmt.end:
            closed = converter._add_rule("closed-call", f"{ws} {call} {ws} {_literal(fmt.end)}")
            more = f"({ws} {_literal(fmt.trigger)} {closed}){{0,{MAX_CALLS - 1}}}" if parallel else ""
            body = f"{closed} {more}"
        else:  # Llama 3: the reply is one call
            body = f"{ws} {call}"
    start = _literal(fmt.trigger) + " " if from_start and fmt.trigger else ""
    converter._add_rule("root", f"{start}{body} {ws}")
    return str(converter.format_grammar())
