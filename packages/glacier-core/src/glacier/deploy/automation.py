"""``glacier deploy``: compile, package, show the plan, then Pulumi's Automation API.

1. The pipeline is compiled to a Pulumi project (``--out``, default ``infra``) and its code
   artifact is built into ``<out>/build/artifact/`` (what the program uploads).
2. The plan in pipeline terms is computed by running the program under Pulumi's mocks
   (:mod:`glacier.deploy.plan`) and printed.
3. A local-program workspace on the project (``pulumi.automation.create_or_select_stack`` with
   ``work_dir``) runs ``install``, then ``preview``, ``up`` or ``destroy``.
4. After ``up`` the stack's :data:`~glacier.deploy.record.STACK_OUTPUT` output becomes the
   deployment record, saved as ``.glacier/deployments/<stack>.json`` next to the pipeline (the
   runtime finds it with ``GLACIER_STACK=<stack>``); ``destroy`` removes it.

The Automation API drives the Pulumi CLI, which must be installed (``find_pulumi_cli``); the
calls go through an injectable module object so tests record them without a CLI.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from glacier.deploy.record import (
    STACK_OUTPUT,
    DeploymentRecord,
    check_stack_name,
    record_from_stack_outputs,
    record_path,
    save_record,
)
from glacier.errors import DeployError

Mode = Literal["plan", "preview", "up", "destroy"]

INSTALL_CLI = (
    "glacier deploy drives the Pulumi CLI, which is not installed (no `pulumi` on PATH or in "
    "$PULUMI_HOME/bin). Install it:\n"
    "  curl -fsSL https://get.pulumi.com | sh      (Linux, macOS)\n"
    "  brew install pulumi/tap/pulumi             (macOS)\n"
    "  winget install pulumi                      (Windows)\n"
    "then log in to a state backend (`pulumi login`, or `pulumi login --local` for state on "
    "this machine) and run the command again. `glacier deploy FILE --stack NAME --plan` shows "
    "the plan without the CLI."
)
INSTALL_SDK = (
    "glacier deploy needs Pulumi's Python SDK and the providers the program uses: "
    "pip install 'glacier-core[pulumi]' -r {requirements}"
)


def find_pulumi_cli() -> Path:
    """The Pulumi CLI: ``pulumi`` on PATH, else ``$PULUMI_HOME/bin/pulumi`` (default
    ``~/.pulumi``, where the installer puts it). Raises :class:`DeployError` saying how to
    install it."""
    found = shutil.which("pulumi")
    if found:
        return Path(found)
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    candidate = home / "bin" / "pulumi"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    raise DeployError(INSTALL_CLI)


def load_automation(requirements: Path) -> Any:
    """``pulumi.automation``, or a :class:`DeployError` saying what to install."""
    try:
        import pulumi.automation as automation
    except ImportError:
        raise DeployError(INSTALL_SDK.format(requirements=requirements)) from None
    return automation


@dataclass
class DeployResult:
    """What ``glacier deploy`` did."""

    mode: Mode
    project_dir: Path
    plan: Any = None
    record: DeploymentRecord | None = None
    record_file: Path | None = None
    summary: dict[str, Any] | None = None


class StackRunner:
    """The Automation API calls of one stack on a local program (the exported project)."""

    def __init__(
        self,
        project_dir: Path,
        stack: str,
        automation: Any,
        cli: Path | None,
        echo: Callable[[str], Any],
    ) -> None:
        self.project_dir = project_dir
        self.stack_name = stack
        self.auto = automation
        self.cli = cli
        self.echo = echo

    def stack(self) -> Any:
        opts = None
        if self.cli is not None and shutil.which("pulumi") is None:
            # Installed under $PULUMI_HOME but not on PATH: point the workspace at it.
            command = self.auto.PulumiCommand(root=str(self.cli.parent.parent))
            opts = self.auto.LocalWorkspaceOptions(pulumi_command=command)
        try:
            stack = self.auto.create_or_select_stack(
                stack_name=self.stack_name, work_dir=str(self.project_dir), opts=opts
            )
            install = getattr(stack.workspace, "install", None)
            if install is not None:
                install(on_output=self.echo)
        except Exception as exc:
            raise self._error("select the stack", exc) from exc
        return stack

    def _error(self, what: str, exc: Exception) -> DeployError:
        detail = getattr(exc, "stderr", "") or str(exc)
        tail = "\n".join(str(detail).strip().splitlines()[-20:])
        return DeployError(
            f"Pulumi could not {what} {self.stack_name!r} ({self.project_dir}):\n{tail}"
        )

    def preview(self) -> dict[str, Any]:
        stack = self.stack()
        try:
            result = stack.preview(on_output=self.echo)
        except Exception as exc:
            raise self._error("preview", exc) from exc
        return dict(getattr(result, "change_summary", None) or {})

    def up(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Deploy; returns (change summary, stack outputs)."""
        stack = self.stack()
        try:
            result = stack.up(on_output=self.echo)
        except Exception as exc:
            raise self._error("deploy", exc) from exc
        summary = getattr(getattr(result, "summary", None), "resource_changes", None) or {}
        outputs = getattr(result, "outputs", None)
        if outputs is None:
            outputs = stack.outputs()
        return dict(summary), dict(outputs)

    def destroy(self) -> dict[str, Any]:
        stack = self.stack()
        try:
            result = stack.destroy(on_output=self.echo)
        except Exception as exc:
            raise self._error("destroy", exc) from exc
        return dict(getattr(getattr(result, "summary", None), "resource_changes", None) or {})


def _check_saved_stack(root: Path, stack: str, target: str) -> None:
    """Refuse a stack whose saved record (same folder) belongs to another pipeline: the
    record file is per folder and stack."""
    from glacier.deploy.record import load_record

    saved = record_path(stack, root)
    if not saved.is_file():
        return
    from glacier.dag.targets import load_pipeline

    pipeline = load_pipeline(target).name
    owner = load_record(str(saved)).pipeline
    if owner != pipeline:
        raise DeployError(
            f"Stack {stack!r} of {root} is deployed for pipeline {owner!r} ({saved}); "
            f"{pipeline!r} needs its own stack name (e.g. --stack {pipeline}-{stack})."
        )


def deploy(
    target: str,
    stack: str,
    *,
    mode: Mode = "up",
    out: str | Path = "infra",
    root: str | Path | None = None,
    include: tuple[str, ...] = (),
    automation: Any = None,
    echo: Callable[[str], Any] = print,
) -> DeployResult:
    """Compile ``target`` (``FILE[:pipeline]``), build its artifact, print the plan, then
    preview, deploy or destroy ``stack`` (``mode``), saving the deployment record after a
    deploy. ``automation`` replaces ``pulumi.automation`` (tests)."""
    from glacier.compiler import PulumiCompiler
    from glacier.dag.targets import load_pipeline
    from glacier.deploy.artifact import package_pipeline, split_target
    from glacier.deploy.plan import build_plan, run_under_mocks

    check_stack_name(stack)
    cli = None if mode == "plan" else find_pulumi_cli()
    path, _ = split_target(target)
    project_dir = Path(out).resolve()
    records_root = path.resolve().parent
    result = DeployResult(mode=mode, project_dir=project_dir)
    _check_saved_stack(records_root, stack, target)
    if mode != "destroy":
        import tempfile

        pipe = load_pipeline(target)
        with tempfile.TemporaryDirectory(prefix="glacier-artifact-") as folder:
            built = package_pipeline(target, folder, root=root, include=include)
            # the driver where the cloud's plugin emits one; the artifact in build/artifact/
            infra = pipe.compile(PulumiCompiler(driver="auto", artifact=built))
            infra.artifact = built
            infra.export_pulumi(project_dir)
            echo(built.summary())
        for note in infra.notes:
            echo(f"note: {note}")
        mocked = run_under_mocks(project_dir, stack)
        plan = build_plan(infra.ir, stack, mocked, infra.deployment)
        result.plan = plan
        echo(plan.render())
        if mode == "plan":
            return result
    elif not (project_dir / "Pulumi.yaml").is_file():
        raise DeployError(
            f"Nothing to destroy from {project_dir}: it holds no Pulumi project. Pass the --out "
            "folder the stack was deployed from."
        )
    auto = (
        automation if automation is not None else load_automation(project_dir / "requirements.txt")
    )
    runner = StackRunner(project_dir, stack, auto, cli, echo)
    if mode == "preview":
        result.summary = runner.preview()
        return result
    if mode == "destroy":
        result.summary = runner.destroy()
        saved = record_path(stack, records_root)
        if saved.exists():
            saved.unlink()
            echo(f"removed deployment record {saved}")
        return result
    result.summary, outputs = runner.up()
    if STACK_OUTPUT not in outputs:
        echo(
            f"deployed, but the program exports no {STACK_OUTPUT!r} output, so no deployment "
            "record was saved: the runtime will use the configs alone. Recompile with this "
            "Glacier version and deploy again."
        )
        return result
    record = record_from_stack_outputs(outputs, stack=stack)
    result.record = record
    result.record_file = save_record(record, records_root)
    echo(
        f"saved deployment record {result.record_file} ({len(record.resources)} resources); "
        f"run the pipeline against it with GLACIER_STACK={stack}"
    )
    return result
