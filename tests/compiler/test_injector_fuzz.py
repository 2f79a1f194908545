"""PulumiProgramInjector refuses every bad input with InjectionError (issue 10, item 11).

Hypothesis feeds arbitrary text (lone surrogates, NUL, CR, marker look-alikes), parser-
exhausting nesting (MemoryError / RecursionError inside ``ast.parse``) and non-strings to
``add_custom_code`` + ``save``. Either the code is saved and the program still parses, or an
InjectionError is raised and ``__main__.py`` is byte-for-byte unchanged.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.compiler.errors import InjectionError
from glacier.config import AwsConfig
from glacier.escape_hatch import PulumiProgramInjector


@task
def _read(source: Any) -> Any:
    return source.scan()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    provider = Provider(AwsConfig(region="us-east-1"))
    bucket = provider.bucket("lake", path="events/", name="events")

    @pipeline(name="fuzz")
    def flow() -> None:
        _read(bucket)

    out = flow.compile(PulumiCompiler()).export_pulumi(tmp_path_factory.mktemp("fuzz"))
    return out, (out / "__main__.py").read_bytes()


_ANY_CHAR = st.characters(blacklist_categories=())  # surrogates, controls, everything
_SNIPPETS = st.sampled_from(
    [
        "x = 1",
        "# >>> glacier:custom-code 1 >>>",
        "# <<< glacier:custom-code 1 <<<",
        "GLACIER : Custom-Code",
        "\ud800",
        "\x00",
        "\r",
        "\n",
        "(",
        "'''",
        "def f(:",
        "\t",
    ]
)
CODE = st.one_of(
    st.text(_ANY_CHAR, max_size=300),
    st.lists(st.one_of(_SNIPPETS, st.text(_ANY_CHAR, max_size=5)), max_size=20).map("".join),
    st.integers(1, 5_000).map(lambda n: "(" * n + ")" * n),
    st.integers(1, 300_000).map(lambda n: "-" * n + "1"),
    st.integers(1, 100_000).map(lambda n: "not " * n + "x"),
    st.integers(1, 100_000).map(lambda n: "x" + ".y" * n),
    st.binary(max_size=50),
    st.integers(),
    st.none(),
)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(code=CODE)
def test_injector_raises_only_injection_error(project: tuple[Path, bytes], code: Any) -> None:
    out, original = project
    main = out / "__main__.py"
    main.write_bytes(original)
    try:
        PulumiProgramInjector(out).add_custom_code(code).save()
    except InjectionError:
        assert main.read_bytes() == original
        return
    text = main.read_text(encoding="utf-8")
    ast.parse(text)
    assert text.startswith(original.decode())


@pytest.mark.parametrize("directory", ["bad\x00dir", 42, None])
def test_unusable_directories_are_injection_errors(directory: Any) -> None:
    with pytest.raises(InjectionError):
        PulumiProgramInjector(directory)


def test_undecodable_program_is_an_injection_error(project: tuple[Path, bytes]) -> None:
    out, original = project
    try:
        (out / "__main__.py").write_bytes(original + b"\n# \xff\xfe\n")
        with pytest.raises(InjectionError, match="UTF-8"):
            PulumiProgramInjector(out).add_custom_code("x = 1").save()
    finally:
        (out / "__main__.py").write_bytes(original)
