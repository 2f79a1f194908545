"""Hook specifications: the functions a Glacier plugin may implement (all optional).

Every hook is prefixed ``glacier_``, takes no arguments and returns a list of records
(:mod:`glacier.plugins.specs`). Returning an empty list, returning None or not implementing
a hook all mean "nothing here".

**When hooks are called.** The plugin host (:mod:`glacier.plugins.host`) calls each hook
once per plugin, through pluggy, the first time a lookup needs that plugin: the built-in
plugins (``local``, ``spark``) on the first lookup of any kind, installed plugins (the
``glacier`` entry-point group) on the first lookup the built-ins cannot answer - a cloud
config name, a config type no built-in serves, ``Provider.from_env()``, ``glacier
plugins``. Results are kept for the life of the process.

**Keep hooks cheap.** Hooks run while plugins load. Name classes by ``"package.module:Class"``
path (the module that defines the class) instead of importing them, so that a user of
another cloud never imports your config models or SDK; never use the registry (``from
glacier.config import ...``) inside a hook - that is an error naming your plugin.

**Conflicts.** Two plugins registering one config name, or one key in the same table, is a
:class:`~glacier.errors.DuplicateRegistrationError` naming both plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from glacier.plugins.specs import (
        BucketBackend,
        ConfigRef,
        EnvDetector,
        ExecutorBackend,
        PulumiEmitterSpec,
        ServerlessBackend,
    )

hookspec = pluggy.HookspecMarker("glacier")


# ---- configs -----------------------------------------------------------------------------


@hookspec
def glacier_configs() -> list[ConfigRef]:
    """Return the config classes this plugin exports from ``glacier.config``.

    Each is a class or, preferably, its ``"package.module:Class"`` path; it is exported under
    its class name (``from glacier.config import AwsConfig``), and only the module that
    defines it is imported, on first access.

    :returns: config classes or paths; empty (or None) when the plugin exports no config.
    """
    raise NotImplementedError


# ---- adapters (runtime) ------------------------------------------------------------------


@hookspec
def glacier_bucket_backends() -> list[BucketBackend]:
    """Return the storage this plugin provides, one record per provider config type.

    Looked up by the provider's config type (walking its MRO) when a bucket is created
    (``Provider.bucket()``, for its config check and name rules) and when it is first used
    (its adapter is imported then, and must subclass
    :class:`glacier.adapters.base.BucketAdapter`).

    :returns: :class:`~glacier.plugins.specs.BucketBackend` records; empty when none.
    """
    raise NotImplementedError


@hookspec
def glacier_serverless_backends() -> list[ServerlessBackend]:
    """Return the function backends this plugin provides, one per provider config type.

    Looked up like bucket backends; the adapter must subclass
    :class:`glacier.adapters.base.ServerlessAdapter`.

    :returns: :class:`~glacier.plugins.specs.ServerlessBackend` records; empty when none.
    """
    raise NotImplementedError


@hookspec
def glacier_executor_backends() -> list[ExecutorBackend]:
    """Return the engines this plugin provides, one per *executor* config type.

    Looked up by the executor's config type (``Provider.executor(config=GlueConfig(...))``),
    so an engine such as Databricks can run on any cloud; ``provider_configs`` restricts it
    to some providers. The adapter must subclass
    :class:`glacier.adapters.base.ExecutorAdapter`.

    :returns: :class:`~glacier.plugins.specs.ExecutorBackend` records; empty when none.
    """
    raise NotImplementedError


@hookspec
def glacier_env_detectors() -> list[EnvDetector]:
    """Return detectors that build this plugin's provider config from the environment.

    ``Provider.from_env()`` loads every installed plugin and tries all detectors in
    ascending ``priority``; the first that returns a config wins (AWS 100, Azure 200,
    GCP 300, Local 10 000 as the fallback).

    :returns: :class:`~glacier.plugins.specs.EnvDetector` records; empty when none.
    """
    raise NotImplementedError


# ---- compiler ----------------------------------------------------------------------------


@hookspec
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    """Return Pulumi emitters, one per provider config type (a
    :class:`glacier.compiler.emitter.PulumiEmitter`) or executor config type (an
    :class:`glacier.compiler.emitter.EngineEmitter`).

    Looked up by config type only when a pipeline is compiled; the emitter module is
    imported then.

    :returns: :class:`~glacier.plugins.specs.PulumiEmitterSpec` records; empty when none.
    """
    raise NotImplementedError
