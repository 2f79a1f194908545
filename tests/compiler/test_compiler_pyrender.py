"""The one escaping function: values round-trip exactly and never inject code."""

from __future__ import annotations

import ast
import keyword

from hypothesis import given, settings
from hypothesis import strategies as st

from glacier.compiler.pyrender import (
    Call,
    Expr,
    py_comment,
    py_ident,
    py_literal,
    render_assignment,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)


@given(values)
def test_literal_round_trips(value: object) -> None:
    assert eval(py_literal(value), {"__builtins__": {"float": float}}) == value


@given(st.text())
def test_strings_cannot_inject_code(text: str) -> None:
    source = render_assignment("x", Call("f", {"name": text, "tags": {text: text}}))
    tree = ast.parse(source)
    call = tree.body[0].value  # type: ignore[attr-defined]
    assert isinstance(call, ast.Call) and len(tree.body) == 1
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert names <= {"x", "f"}
    assert ast.literal_eval(call.keywords[0].value) == text
    assert ast.literal_eval(call.keywords[1].value) == {text: text}


@given(st.text())
def test_identifiers_are_valid(name: str) -> None:
    ident = py_ident(name)
    assert ident.isidentifier() and not keyword.iskeyword(ident)


@given(st.text())
def test_comments_stay_on_one_line(text: str) -> None:
    comment = py_comment(text)
    assert "\n" not in comment and "\r" not in comment
    assert ast.parse(comment + "\nx = 1").body


@settings(max_examples=50)
@given(st.text(min_size=120, max_size=400))
def test_long_strings_split_but_equal(text: str) -> None:
    source = render_assignment("x", Call("f", {"condition": text}))
    assert ast.literal_eval(ast.parse(source).body[0].value.keywords[0].value) == text  # type: ignore[attr-defined]
    assert all(len(line) <= 100 or " " not in line.strip() for line in source.splitlines())


def test_nan_inf_and_sets_are_stable() -> None:
    assert py_literal(float("nan")) == 'float("nan")'
    assert py_literal({"b", "a"}) == py_literal({"a", "b"})
    assert py_literal(Expr("bucket.arn")) == "bucket.arn"


def test_keywords_and_digits() -> None:
    assert py_ident("class") == "class_"
    assert py_ident("9lives") == "r_9lives"
    assert py_ident("sales-lake.v2") == "sales_lake_v2"
    assert py_ident("pulumi") == "pulumi_"
