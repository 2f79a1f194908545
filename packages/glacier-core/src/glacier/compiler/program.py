"""Assemble the Pulumi program: the writer emitters use, the rendered text, the export.

Build a structure, then render it: emitters add :class:`Block` s through
:class:`ProgramWriter` (values are rendered by :mod:`glacier.compiler.pyrender` only), the
writer applies customization hooks right after the resource they target, and
:class:`CompiledInfra` renders and exports the project.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glacier._version import __version__
from glacier.compiler.deployment import DeploymentOutput
from glacier.compiler.errors import ExportError
from glacier.compiler.handles import Handles
from glacier.compiler.injector import MAIN_FILE, extract_regions, read_program, render_regions
from glacier.compiler.package import build_all
from glacier.compiler.pyrender import (
    Call,
    Expr,
    py_comment,
    py_ident,
    render_assignment,
    render_statement,
)

if TYPE_CHECKING:
    from glacier.compiler.deploy_ir import IRDeployment
    from glacier.compiler.ir import IRBucket, IRCompute, IRGraph, IRProvider
    from glacier.deploy.artifact import BuiltArtifact
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


@dataclass
class CompiledInfra:
    """The result of ``pipeline.compile(PulumiCompiler())``.

    ``resources``: the IR resources (buckets, functions, executors). ``program``: the
    generated ``__main__.py`` text. ``export_pulumi(dir)`` writes the Pulumi project.
    """

    ir: IRGraph
    program: str
    requirements: list[str]
    notes: list[str] = field(default_factory=list)
    #: Pulumi resources the generated program declares (``ProgramWriter.resource_count``).
    pulumi_resource_count: int | None = None
    #: What runs the pipeline once deployed (artifact, driver, schedules, triggers, alarms).
    deployment: IRDeployment | None = None
    #: The artifact ``export_pulumi`` copies to ``build/artifact/`` (``glacier compile`` and
    #: ``PulumiCompiler(artifact=...)`` set it); the program uploads it.
    artifact: BuiltArtifact | None = None

    def __post_init__(self) -> None:
        for line in self.ir.program_requirements:
            if line not in self.requirements:
                self.requirements.append(line)

    @property
    def resources(self) -> list[IRBucket | IRCompute]:
        return self.ir.resources

    def requirements_txt(self) -> str:
        return "\n".join(self.requirements) + "\n"

    def pulumi_yaml(self, project_name: str | None = None) -> str:
        name = project_name or _project_name(self.ir.pipeline)
        description = f"Generated by Glacier {__version__} from pipeline {self.ir.pipeline}"
        return (
            f"name: {json.dumps(name)}\n"
            f"description: {json.dumps(description)}\n"
            "runtime:\n"
            "  name: python\n"
            "  options:\n"
            "    toolchain: pip\n"
            "    virtualenv: venv\n"
        )

    def readme(self) -> str:
        """``README.md``: how to deploy, the resources, and exactly which files each
        function's code package holds (and which matched files were left out as secrets)."""
        lines = [
            f"# Pulumi project for Glacier pipeline `{_md(self.ir.pipeline)}`",
            "",
            f"Generated by Glacier {__version__}. Do not edit `__main__.py` by hand outside the",
            "`glacier:custom-code` regions (see `PulumiProgramInjector`); re-run",
            "`glacier compile` instead: injected regions are kept.",
            "",
            "```bash",
            "python -m venv venv && venv/bin/pip install -r requirements.txt",
            "pulumi stack init dev",
            "pulumi up",
            "```",
            "",
            "Resources:",
            "",
        ]
        for res in self.resources:
            lines.append(f"- {res.kind} `{_md(res.name)}` ({_md(res.provider.key)})")
        if self.ir.build.packages:
            lines += [
                "",
                "Function code packages (rebuilt by every export). Each holds the handler's",
                "Python sources and the data files its config declares (`include`), never",
                "dotfiles or files named like keys or credentials:",
            ]
            for p in self.ir.build.packages:
                lines += ["", f"- `{p.archive}` (handler `{_md(p.handler_ref)}`):"]
                lines += [f"  - `{_md(name)}`" for name in p.packed]
                if p.left_out:
                    shown = ", ".join(f"`{_md(n)}`" for n in p.left_out[:_README_LIMIT])
                    more = len(p.left_out) - _README_LIMIT
                    shown += f" and {more} more" if more > 0 else ""
                    lines.append(f"  - left out (look like secrets): {shown}")
        driver = self.deployment.driver if self.deployment is not None else None
        if driver is not None:
            lines += [
                "",
                f"The pipeline runs in the cloud in its driver `{_md(driver.name)}`: `pulumi up` "
                f"uploads the code artifact in `{ARTIFACT_DIR}/` (written by `glacier compile`)",
            ]
            if driver.config.image is None:
                lines.append(
                    "and builds the driver image from `build/driver/Dockerfile` (Docker must "
                    "run on this machine; or build it elsewhere and set DriverConfig(image=...))."
                )
            else:
                lines.append(f"and runs the image `{_md(driver.config.image)}`.")
        if self.notes:
            lines += ["", "Notes:", "", *[f"- {n}" for n in self.notes]]
        return "\n".join(lines) + "\n"

    def export_pulumi(self, directory: str | Path, project_name: str | None = None) -> Path:
        """Write ``__main__.py``, ``Pulumi.yaml``, ``requirements.txt`` and ``README.md`` to
        ``directory``, and the function packages and build files under ``directory/build/``
        (see :mod:`glacier.compiler.package`). Custom-code regions of an existing
        ``__main__.py`` are kept.

        Everything is first written to a temporary folder next to ``directory``, then moved
        into place entry by entry (each a rename; the previous entries are restored if a
        move fails), so a failure leaves the previous project as it was. Other files in
        ``directory`` (stack configs, ``venv/``) are never touched."""
        out = Path(directory)
        if out.exists() and not out.is_dir():
            raise ExportError(f"Cannot export to {out}: it exists and is not a folder.")
        main = out / MAIN_FILE
        regions = extract_regions(read_program(main)) if main.exists() else []
        texts = {
            MAIN_FILE: self.program + render_regions(regions),
            "Pulumi.yaml": self.pulumi_yaml(project_name),
            "requirements.txt": self.requirements_txt(),
            "README.md": self.readme(),
        }
        self.ir.build.check()
        entries = [*texts, *_build_entries(self)]
        if self.artifact is not None:
            entries.append(ARTIFACT_DIR)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            staged = out.parent / f".{out.name}.glacier-new-{secrets.token_hex(6)}"
            staged.mkdir()  # default permissions: it becomes the project folder when new
        except OSError as exc:
            raise ExportError(f"Cannot export to {out}: {exc}.") from exc
        try:
            for name, text in texts.items():
                (staged / name).write_text(text, encoding="utf-8", newline="\n")
            build_all(self.ir.build, staged)
            if self.artifact is not None:
                folder = staged / ARTIFACT_DIR
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.artifact.path, folder / self.artifact.path.name)
            if not out.exists():
                os.replace(staged, out)
            else:
                _install(staged, out, entries)
        except (OSError, UnicodeError) as exc:
            raise ExportError(
                f"Cannot export to {out}: {exc}. The previous project there is unchanged."
            ) from exc
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        return out


#: Most names of left-out files listed per package in the README.
_README_LIMIT = 20
#: Where the artifact goes in the project (``glacier.deploy.artifact.ARTIFACT_DIR``).
ARTIFACT_DIR = "build/artifact"


def _md(text: object) -> str:
    """User text for README.md: printable, encodable, and unable to end a code span."""
    value = str(text)
    clean = "".join(
        ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in value
    )
    return clean.replace("`", "'")


def _build_entries(infra: CompiledInfra) -> list[str]:
    """The project-relative paths ``build_all`` writes: each package's folder and zip, and
    each build file (moved into place one by one)."""
    entries: list[str] = []
    for spec in infra.ir.build.packages:
        entries += [spec.folder, spec.archive]
    entries += [item.path for item in infra.ir.build.files]
    return list(dict.fromkeys(entries))


def _install(staged: Path, out: Path, entries: Sequence[str]) -> None:
    """Move ``entries`` from ``staged`` into ``out``, each by a rename; previous entries go
    to a backup folder first and are restored (and the new ones removed) on any failure."""
    backup = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.glacier-old-"))
    moved: list[tuple[str, bool]] = []
    try:
        for rel in entries:
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            had_old = target.exists() or target.is_symlink()
            if had_old:
                (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, backup / rel)
            moved.append((rel, had_old))
            os.replace(staged / rel, target)
    except BaseException:
        for rel, had_old in reversed(moved):
            target = out / rel
            if not (staged / rel).exists() and (target.exists() or target.is_symlink()):
                _remove(target)
            if had_old:
                os.replace(backup / rel, target)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _project_name(pipeline: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"glacier-{pipeline}").strip("-") or "glacier"


def header_lines(pipeline: str) -> list[str]:
    """The generated-file header."""
    return [
        f"*** Generated by Glacier {__version__} from pipeline {pipeline!r}. Do not edit. ***",
        "Re-run `glacier compile` to regenerate. Only code inside custom-code regions",
        "(PulumiProgramInjector) survives regeneration.",
    ]
