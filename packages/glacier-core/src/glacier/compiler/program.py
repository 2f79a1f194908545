"""The Pulumi program as emitters write it: :class:`ProgramWriter` and its rendered text.

Build a structure, then render it: emitters add :class:`Block` s through
:class:`ProgramWriter` (values are rendered by :mod:`glacier.compiler.pyrender` only), and
the writer applies customization hooks right after the resource they target. The compiled
project and its export are :class:`glacier.compiler.infra.CompiledInfra`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glacier._version import __version__
from glacier.compiler.deployment import DeploymentOutput
from glacier.compiler.handles import Handles
from glacier.compiler.pyrender import (
    Call,
    Expr,
    py_comment,
    py_ident,
    render_assignment,
    render_statement,
)

if TYPE_CHECKING:
    from glacier.compiler.ir import IRGraph, IRProvider
    from glacier.escape_hatch import PulumiCustomization

PULUMI_REQUIREMENT = "pulumi>=3.200,<4"


@dataclass(frozen=True)
class Helper:
    """A trusted helper function of the generated program (rendered once, after imports)."""

    name: str
    std_imports: tuple[str, ...]
    lines: tuple[str, ...]


#: Reads the artifact ``glacier compile`` built into the project when the program runs: the
#: program text stays the same when only the code changes (no hash written at compile time).
ARTIFACT_HELPER = Helper(
    "glacier_artifact",
    ("import hashlib", "import json", "import pathlib", "import zipfile"),
    (
        "def glacier_artifact(folder: str) -> dict:",
        '    """The one artifact wheel in `folder`: path, file name, SHA-256 and entry."""',
        '    wheels = sorted(pathlib.Path(folder).glob("*.whl"))',
        "    if len(wheels) != 1:",
        "        raise RuntimeError(",
        '            f"expected one Glacier artifact wheel in {folder}, found {len(wheels)}: run "',
        '            "`glacier compile FILE --out .` (or `glacier package FILE --out "',
        '            f"{folder}`) before `pulumi up`"',
        "        )",
        "    wheel = wheels[0]",
        "    with zipfile.ZipFile(wheel) as zf:",
        '        suffix = ".dist-info/glacier-artifact.json"',
        "        name = next(n for n in zf.namelist() if n.endswith(suffix))",
        "        manifest = json.loads(zf.read(name))",
        "    return {",
        '        "path": str(wheel),',
        '        "filename": wheel.name,',
        '        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),',
        '        "entry": manifest.get("entry") or "",',
        "    }",
    ),
)


@dataclass
class PendingResource:
    """A resource statement whose arguments may still be amended until rendering
    (:meth:`ProgramWriter.amend`): clouds that set a feature as an argument of the resource
    itself (GCS versioning, retention) add it after the resource was emitted."""

    var: str
    type_: str
    logical: str
    kwargs: dict[str, Any]

    def render(self) -> str:
        # Arguments amended after the resource was emitted go before ``opts``, which stays last.
        kwargs = {k: v for k, v in self.kwargs.items() if k != "opts"}
        if "opts" in self.kwargs:
            kwargs["opts"] = self.kwargs["opts"]
        return render_assignment(self.var, Call(self.type_, kwargs, args=(self.logical,)))


@dataclass
class Block:
    """One commented group of statements (usually one resource)."""

    comment: list[str]
    lines: list[str | PendingResource]


@dataclass
class Section:
    """A titled group of blocks (providers, one cloud bucket, one identity, ...)."""

    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class HookTarget:
    """The Glacier resources a generated resource stands for (customization targets)."""

    names: tuple[str, ...]
    provider: IRProvider
    tags: Mapping[str, str]


class ProgramWriter:
    """What emitters write through: unique variable and logical names, provider options,
    references between resources, hooks and exports."""

    def __init__(
        self, ir: IRGraph, customizations: Mapping[str, PulumiCustomization] | None = None
    ) -> None:
        self.ir = ir
        self._customizations = dict(customizations or {})
        self._sections: list[Section] = []
        self._vars: set[str] = set()
        self._logical: set[tuple[str, str]] = set()
        self._pending: dict[str, PendingResource] = {}
        #: Typed handles of what was emitted (providers, buckets, identities, emit-once).
        self.handles = Handles()
        #: Resources registered so far, by Pulumi type (for summaries and ``--check``).
        self.resource_types: list[str] = []
        self._exports: list[tuple[str, Any]] = []
        self._imports: set[str] = set()
        self._hooks: dict[str, str] = {}
        self.applied: set[str] = set()
        self._resource_count = 0
        self._helpers: dict[str, Helper] = {}
        #: The deployment record the program exports (``glacier_deployment``).
        self.deployment = DeploymentOutput(ir.pipeline)
        #: Lines for the compile summary that emit steps add (what to do by hand, ...).
        self.notes: list[str] = []

    @property
    def resource_count(self) -> int:
        """Pulumi resources written so far through :meth:`resource` (customization hooks
        and injected code may add more when the program runs)."""
        return self._resource_count

    # -- structure -------------------------------------------------------------------------
    def section(self, title: str) -> None:
        """Start a new titled section."""
        self._sections.append(Section(title))

    def add_import(self, line: str) -> None:
        """A trusted import line, e.g. ``import pulumi_aws as aws``."""
        self._imports.add(line)

    def add_helper(self, helper: Helper) -> None:
        """A trusted helper function the program defines once (e.g. ``glacier_artifact``)."""
        self._helpers.setdefault(helper.name, helper)

    def var(self, hint: str) -> str:
        """A fresh module-level variable name derived from ``hint``."""
        base = py_ident(hint)
        name, n = base, 1
        while name in self._vars:
            n += 1
            name = f"{base}_{n}"
        self._vars.add(name)
        return name

    def logical_name(self, type_: str, name: str) -> str:
        """A Pulumi logical name unique per resource type (``-2``, ``-3`` on clashes)."""
        candidate, n = name, 1
        while (type_, candidate) in self._logical:
            n += 1
            candidate = f"{name}-{n}"
        self._logical.add((type_, candidate))
        return candidate

    def _block(self, comment: str | Sequence[str], lines: list[str | PendingResource]) -> None:
        if not self._sections:
            self.section("Resources")
        comments = [comment] if isinstance(comment, str) else list(comment)
        self._sections[-1].blocks.append(Block(comments, lines))

    # -- statements ------------------------------------------------------------------------
    def resource(
        self,
        type_: str,
        name: str,
        args: Mapping[str, Any],
        *,
        comment: str | Sequence[str],
        provider: IRProvider | None = None,
        depends_on: Iterable[str] = (),
        var_hint: str | None = None,
        target: HookTarget | None = None,
        extra_opts: Mapping[str, Any] | None = None,
    ) -> str:
        """``var = type_(name, **args, opts=...)``; returns ``var``.

        ``provider`` selects the explicit provider instance; ``target`` marks the resource
        a customization of those Glacier names receives (applied right after it).
        """
        logical = self.logical_name(type_, name)
        var = self.var(var_hint or logical)
        self._resource_count += 1
        kwargs: dict[str, Any] = {k: v for k, v in args.items() if v is not None}
        opts: dict[str, Any] = {}
        if provider is not None:
            opts["provider"] = Expr(self.handles.provider(provider.key).var)
        deps = sorted(set(depends_on))
        if deps:
            opts["depends_on"] = [Expr(d) for d in deps]
        opts.update(extra_opts or {})
        if opts:
            kwargs["opts"] = Call("pulumi.ResourceOptions", opts)
        pending = PendingResource(var, type_, logical, kwargs)
        self._pending[var] = pending
        self.resource_types.append(type_)
        self._block(comment, [pending])
        if target is not None:
            self._apply_hooks(var, target)
        return var

    def reference(
        self,
        type_: str,
        name: str,
        resource_id: Any,
        *,
        comment: str | Sequence[str],
        provider: IRProvider | None = None,
        var_hint: str | None = None,
    ) -> str:
        """``var = type_.get(name, resource_id, opts=...)``: an existing cloud resource,
        read by id and never created, changed or deleted by the program; returns ``var``."""
        logical = self.logical_name(type_, name)
        var = self.var(var_hint or logical)
        kwargs: dict[str, Any] = {}
        if provider is not None:
            kwargs["opts"] = Call(
                "pulumi.ResourceOptions",
                {"provider": Expr(self.handles.provider(provider.key).var)},
            )
        self.resource_types.append(f"{type_} (existing)")
        self._block(
            comment,
            [render_assignment(var, Call(f"{type_}.get", kwargs, args=(logical, resource_id)))],
        )
        return var

    def amend(self, var: str, args: Mapping[str, Any]) -> None:
        """Set more arguments of the resource ``var`` emitted earlier (``None`` values are
        ignored; an argument already set is an error, so nothing is overwritten silently)."""
        pending = self._pending.get(var)
        if pending is None:
            raise KeyError(f"{var!r} is not a resource of this program")
        for name, value in args.items():
            if value is None:
                continue
            if name in pending.kwargs:
                raise ValueError(f"{pending.logical}: argument {name!r} is already set")
            pending.kwargs[name] = value

    def value(self, hint: str, value: Any, *, comment: str | Sequence[str]) -> str:
        """``var = value`` (e.g. an invoke such as ``aws.get_caller_identity_output()``)."""
        var = self.var(hint)
        self._block(comment, [render_assignment(var, value)])
        return var

    def export(self, name: str, value: Any) -> None:
        """``pulumi.export(name, value)`` at the end of the program."""
        self._exports.append((name, value))

    # -- hooks (escape hatch 2) ------------------------------------------------------------
    def _apply_hooks(self, var: str, target: HookTarget) -> None:
        for glacier_name in sorted(target.names):
            custom = self._customizations.get(glacier_name)
            if custom is None:
                continue
            self.applied.add(glacier_name)
            hook_var = self._hook_var(custom.ref)
            context = Call(
                "types.SimpleNamespace",
                {
                    "resource_name": glacier_name,
                    "environment": Call("types.SimpleNamespace", target.provider.environment()),
                    "provider": Expr(self.handles.provider(target.provider.key).var),
                    "tags": dict(target.tags),
                    "resources": Expr("glacier_resources(globals())"),
                },
            )
            self._block(
                f"Customization of Glacier resource {glacier_name!r}: {custom.ref}",
                [render_assignment(var, Call(hook_var, args=(Expr(var), context)))],
            )

    def _hook_var(self, ref: str) -> str:
        found = self._hooks.get(ref)
        if found is None:
            found = self._hooks[ref] = self.var("hook_" + ref.rpartition(":")[2])
        return found

    # -- rendering -------------------------------------------------------------------------
    def render(self, header: Sequence[str], imports: Iterable[str]) -> str:
        """The program text (without injected regions)."""
        out: list[str] = [py_comment(h) for h in header]
        std_set = {"import importlib", "import types"} if self._hooks else set()
        for helper in self._helpers.values():
            std_set.update(helper.std_imports)
        std = sorted(std_set)
        third = sorted({"import pulumi", *imports, *self._imports}, key=_import_key)
        out.append("")
        if std:
            out += [*std, ""]
        out += third
        for name in sorted(self._helpers):
            out += ["", "", *self._helpers[name].lines]
        if self._helpers and not self._hooks:
            out.append("")  # two blank lines after a function (sections add one)
        if self._hooks:
            out += ["", "", *_HOOK_HELPER, "", ""]
            for ref, var in sorted(self._hooks.items(), key=lambda kv: kv[1]):
                out.append(render_assignment(var, Call("glacier_hook", args=(ref,))))
        for section in self._sections:
            if not section.blocks:
                continue
            out += ["", py_comment(f"=== {section.title} ===")]
            for i, block in enumerate(section.blocks):
                if i:
                    out.append("")
                out += [line for c in block.comment for line in _comment_lines(c)]
                out += [x if isinstance(x, str) else x.render() for x in block.lines]
        out += ["", py_comment("=== Outputs ===")]
        for name, value in self._exports:
            out.append(render_statement(Call("pulumi.export", args=(name, value))))
        out += [
            "",
            py_comment("The deployment record (docs/deploy.md): glacier deploy saves it, the"),
            py_comment("runtime and the driver read their resources' names from it."),
            render_statement(self.deployment.export()),
        ]
        return "\n".join(out) + "\n"


_HOOK_HELPER = [
    "def glacier_hook(ref: str):",
    '    """Import a customization function given as "module:function"."""',
    '    module, _, name = ref.partition(":")',
    "    return getattr(importlib.import_module(module), name)",
    "",
    "",
    "def glacier_resources(namespace: dict) -> dict:",
    '    """The Pulumi resources created so far, by variable name (for hook contexts)."""',
    "    return {k: v for k, v in namespace.items() if isinstance(v, pulumi.Resource)}",
]


def _comment_lines(text: str) -> list[str]:
    """A comment wrapped to the line length (user text is sanitised by py_comment)."""
    return [py_comment(line) for line in textwrap.wrap(py_comment(text)[2:], 98) or [""]]


def _import_key(line: str) -> tuple[int, str]:
    module = line.split()[1]
    return (0 if line.startswith("import ") else 1, module)


def header_lines(pipeline: str) -> list[str]:
    """The generated-file header."""
    return [
        f"*** Generated by Glacier {__version__} from pipeline {pipeline!r}. Do not edit. ***",
        "Re-run `glacier compile` to regenerate. Only code inside custom-code regions",
        "(PulumiProgramInjector) survives regeneration.",
    ]
