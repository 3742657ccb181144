"""Hypothesis strategies for request bodies, built from the intake's own `/openapi.json` schemas.

The property tests draw bodies that the published schema allows and ask the
real app about them. hypothesis-jsonschema or schemathesis would do this
generically, but neither is pinned in this project; the schemas use a small
subset of JSON Schema (`$ref`, `anyOf`, `enum`, `type`, `properties`,
`required`, `additionalProperties`, `pattern`, `minLength`/`maxLength`,
`minimum`/`maximum`, `items`, `format: date-time`), and that subset is what
this module covers. It raises on any keyword it does not know, so a schema
that grows past it fails loudly instead of being half-generated.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

KNOWN_KEYWORDS = {
    "$ref",
    "anyOf",
    "enum",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "items",
    "format",
    # annotations, no effect on what is valid
    "title",
    "description",
    "default",
}

# JSON values for free-form objects; floats finite, as JSON itself has no NaN or Infinity
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)

# RFC 3339 offsets run to +-23:59; the ends of datetime's range are where conversion to UTC breaks, so a
# third of the values lie within two days of an end (0001-01-01T00:30+01:00 is in year 0 in UTC)
_offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))
_FIRST, _LAST = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)
_near_end = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))
_naive = st.one_of(
    st.datetimes(min_value=_FIRST, max_value=_LAST),
    _near_end.map(lambda delta: _FIRST + delta),
    _near_end.map(lambda delta: _LAST - delta),
)
rfc3339_datetimes = st.one_of(
    st.builds(lambda naive, tz: naive.replace(tzinfo=tz).isoformat(), _naive, _offsets),
    st.builds(lambda naive: naive.isoformat() + "Z", _naive),
)


def from_schema(
    schema: dict[str, Any],
    components: dict[str, Any],
    *,
    form: bool = False,
    overrides: dict[str, st.SearchStrategy] | None = None,
) -> st.SearchStrategy:
    """Values valid against `schema`; `form=True` for a form body, whose values are all strings.

    `overrides` replaces the strategy of a property, by `"Title.name"` (the object schema's title) or by bare
    name wherever it appears: for a field whose schema is looser than its validator (an email is a bare
    string in the schema), so that enough drawn bodies pass validation and reach the store.
    """
    overrides = overrides or {}
    unknown = set(schema) - KNOWN_KEYWORDS
    if unknown:
        raise NotImplementedError(f"schema keywords not covered: {sorted(unknown)}")

    def sub(schema: dict[str, Any]) -> st.SearchStrategy:
        return from_schema(schema, components, form=form, overrides=overrides)

    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: sub(components[name]))
    if "anyOf" in schema:
        return st.one_of([sub(option) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        title = schema.get("title")
        strategies = {}
        for name, prop in properties.items():
            chosen = _first(overrides.get(f"{title}.{name}"), overrides.get(name))
            strategies[name] = chosen if chosen is not None else sub(prop)
        return _object(schema, strategies, form)
    if kind == "array":
        return st.lists(sub(schema.get("items", {})), max_size=3)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        values = st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
        return values.map(str) if form else values
    if kind == "number":
        return st.floats(
            min_value=schema.get("minimum"), max_value=schema.get("maximum"), allow_nan=False, allow_infinity=False
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind is None and not schema:
        return st.text() if form else json_values
    raise NotImplementedError(f"schema type not covered: {kind!r}")


def _string(schema: dict[str, Any]) -> st.SearchStrategy:
    if schema.get("format") == "date-time":
        return rfc3339_datetimes
    if "format" in schema:
        raise NotImplementedError(f"string format not covered: {schema['format']}")
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 60))


def _object(schema: dict[str, Any], strategies: dict[str, st.SearchStrategy], form: bool) -> st.SearchStrategy:
    required = set(schema.get("required", ()))
    fixed = {name: strategy for name, strategy in strategies.items() if name in required}
    optional = {name: strategy for name, strategy in strategies.items() if name not in required}
    body = st.fixed_dictionaries(fixed, optional=optional)
    if schema.get("additionalProperties") is not True:
        return body
    extra_keys = st.text(min_size=1, max_size=12).filter(lambda key: key not in strategies)
    extras = st.dictionaries(extra_keys, st.text(max_size=40) if form else json_values, max_size=3)
    return st.builds(lambda known, more: {**more, **known}, body, extras)


def _first(*strategies: st.SearchStrategy | None) -> st.SearchStrategy | None:
    # `or` would ask a strategy for its truth value, which Hypothesis warns about
    return next((s for s in strategies if s is not None), None)
