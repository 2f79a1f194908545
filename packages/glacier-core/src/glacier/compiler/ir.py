"""The intermediate resource graph (IR): what a pipeline needs, independent of any cloud.

Built from ``pipeline.build()``: providers (one per distinct provider config), cloud buckets
(Glacier buckets sharing a ``bucket_name`` in one provider are one cloud bucket), functions
and executors with the exact grants their tasks need, and each task's reads and writes.
Emitters render it; nothing here knows a cloud.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from glacier.compiler.errors import AccessAnalysisError, ConflictingConfigError
from glacier.compiler.merge import Part, same, scoped_prefix
from glacier.compiler.merge_advanced import merge_advanced
from glacier.compiler.package import BuildPlan
from glacier.dag.access import AccessResult, analyze_function
from glacier.dag.graph import PipelineGraph
from glacier.escape_hatch import AdvancedStorageConfig, LifecycleTier
from glacier.models import BucketConfig, ExecutorConfig, ProviderConfig, ServerlessConfig
from glacier.resources.base import Resource
from glacier.resources.bucket import Bucket
from glacier.resources.executor import Executor
from glacier.resources.serverless import Serverless

Mode = Literal["read", "write"]


@dataclass(frozen=True)
class IRProvider:
    """One cloud account/region: becomes one explicit Pulumi provider instance."""

    key: str
    config: ProviderConfig

    @property
    def cloud(self) -> str:
        return type(self.config).cloud or type(self.config).__name__

    def environment(self) -> dict[str, Any]:
        """Non-secret config fields (``None`` included) plus ``cloud``, for hook contexts."""
        out: dict[str, Any] = {"cloud": self.cloud}
        for name in type(self.config).model_fields:
            value = getattr(self.config, name)
            if isinstance(value, SecretStr):
                continue
            out[name] = value
        return out


@dataclass(frozen=True)
class Grant:
    """``mode`` access to objects under ``prefix`` ("" = the whole bucket) of one bucket."""

    bucket: str
    prefix: str
    mode: Mode


@dataclass(frozen=True)
class IRBucketPart:
    """One Glacier bucket living in a cloud bucket, with the settings it was declared with."""

    name: str
    path: str
    config: BucketConfig | None
    advanced: AdvancedStorageConfig | None


@dataclass(frozen=True)
class TierRule:
    """Lifecycle tiers for objects under ``prefix`` (``""``: the whole bucket)."""

    prefix: str
    tiers: tuple[LifecycleTier, ...]
    #: The Glacier bucket the rule comes from (rule ids, comments).
    source: str


@dataclass
class IRBucket:
    """One cloud bucket (S3 bucket, Azure container, GCS bucket).

    ``config`` and ``advanced`` are the merged settings of every Glacier bucket in it (see
    :mod:`glacier.compiler.merge`); per-path settings are already scoped to their prefixes
    (``tier_rules``, and the cloud config's own per-path fields).
    """

    key: str
    bucket_name: str
    provider: IRProvider
    config: BucketConfig | None
    advanced: AdvancedStorageConfig | None
    tags: dict[str, str]
    #: Glacier resource names that live in this bucket, and their paths.
    names: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    readers: list[str] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    #: The Glacier buckets in it, as declared.
    parts: list[IRBucketPart] = field(default_factory=list)
    #: Lifecycle tiers by prefix (from ``advanced_config.lifecycle_tiers``).
    tier_rules: list[TierRule] = field(default_factory=list)
    #: Referenced, not created: ``provider.bucket(..., existing=True)``.
    existing: bool = False
    #: What merging the parts decided, for the compile summary.
    notes: list[str] = field(default_factory=list)

    kind: str = "bucket"

    @property
    def name(self) -> str:
        return self.bucket_name

    def describe(self) -> str:
        """``'raw' (raw/), 'out' (/)``: the Glacier buckets in it, for comments."""
        return ", ".join(f"{n!r} ({p or '/'})" for n, p in zip(self.names, self.paths, strict=True))


@dataclass
class IRCompute:
    """A function or executor: gets its own identity with exactly ``grants``."""

    kind: Literal["function", "executor"]
    name: str
    provider: IRProvider
    resource: Serverless | Executor
    tags: dict[str, str]
    grants: list[Grant] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)

    @property
    def config(self) -> ServerlessConfig | ExecutorConfig | None:
        return self.resource.config


@dataclass(frozen=True)
class IRTask:
    """One task call: where it runs and which Glacier buckets it reads and writes."""

    node_id: str
    runs_on: str | None
    reads: tuple[str, ...]
    writes: tuple[str, ...]


@dataclass
class IRGraph:
    """The whole IR of one pipeline."""

    pipeline: str
    providers: list[IRProvider]
    buckets: list[IRBucket]
    functions: list[IRCompute]
    executors: list[IRCompute]
    tasks: list[IRTask]
    #: Glacier bucket name -> cloud bucket key.
    bucket_of: dict[str, str] = field(default_factory=dict)
    #: Function packages and build files emitters add; written by ``export_pulumi``.
    build: BuildPlan = field(default_factory=BuildPlan)
    #: requirements.txt lines emitters add while emitting (e.g. an engine's Pulumi SDK).
    program_requirements: list[str] = field(default_factory=list)

    @property
    def resources(self) -> list[IRBucket | IRCompute]:
        """Buckets, functions and executors, in emission order."""
        return [*self.buckets, *self.functions, *self.executors]

    def bucket(self, key: str) -> IRBucket:
        return next(b for b in self.buckets if b.key == key)

    def glacier_names(self) -> set[str]:
        names = {n for b in self.buckets for n in b.names}
        return names | {c.name for c in (*self.functions, *self.executors)}


@dataclass(frozen=True)
class DeclaredAccess:
    """Access declared for a task or function when analysis cannot see it."""

    reads: tuple[Bucket, ...] = ()
    writes: tuple[Bucket, ...] = ()


AccessDecl = Mapping[str, Mapping[str, Sequence[Bucket | str]]]
#: ``(provider config, parts) -> (merged bucket config, notes)``.
ConfigMerger = Callable[
    [ProviderConfig, Sequence[Part[BucketConfig]]], tuple[BucketConfig, list[str]]
]


def _merge_equal_only(
    provider: ProviderConfig, parts: Sequence[Part[BucketConfig]]
) -> tuple[BucketConfig, list[str]]:
    same("config", parts)
    return parts[0].value, []


def grant_prefix(bucket: Bucket) -> str:
    """The object prefix a grant on ``bucket`` covers: the dataset prefix, or the object key
    followed by anything (atomic writes use sibling temporary keys)."""
    return bucket.path


class IRBuilder:
    """Builds :class:`IRGraph` from a pipeline graph."""

    def __init__(
        self,
        provider_key: Callable[[ProviderConfig], str],
        access: AccessDecl | None = None,
        merge_configs: ConfigMerger | None = None,
    ) -> None:
        #: ``provider_key(config) -> str``: a readable base name, from the cloud's emitter.
        self._provider_key = provider_key
        #: ``merge_configs(provider_config, parts) -> (config, notes)``, from the emitter.
        self._merge_configs: ConfigMerger = merge_configs or _merge_equal_only
        self._access_raw = dict(access or {})
        self._providers: dict[tuple[type, str], IRProvider] = {}

    # -- providers -------------------------------------------------------------------------
    def provider(self, config: ProviderConfig) -> IRProvider:
        identity = (type(config), config.model_dump_json(exclude=_secret_fields(config)))
        found = self._providers.get(identity)
        if found is None:
            base = self._provider_key(config)
            taken = {p.key for p in self._providers.values()}
            key, n = base, 1
            while key in taken:
                n += 1
                key = f"{base}-{n}"
            found = self._providers[identity] = IRProvider(key, config)
        return found

    # -- build -----------------------------------------------------------------------------
    def build(self, graph: PipelineGraph) -> IRGraph:
        resources = graph.resources()
        by_name = self._check_names(resources)
        declared = self._declared(by_name, graph)
        # 1. analyse every task call (buckets used as globals join the pipeline's resources)
        analysed: list[tuple[str, Executor | None, list[Bucket], list[Bucket]]] = []
        for node_id in graph.order:
            node = graph.nodes[node_id]
            bound = node.task.signature.bind(*node.args, **node.kwargs)
            bound.apply_defaults()
            result = analyze_function(node.task.fn, dict(bound.arguments))
            reads, writes = _resolve(
                result, declared.get(node.task.name), f"task {node.task.name!r}"
            )
            analysed.append((node_id, node.task.executor, reads, writes))
        functions: list[tuple[Serverless, list[Bucket], list[Bucket]]] = []
        for res in resources:
            if isinstance(res, Serverless):
                handler = res.handler
                result = analyze_function(handler) if callable(handler) else AccessResult()
                reads, writes = _resolve(result, declared.get(res.name), f"function {res.name!r}")
                functions.append((res, reads, writes))
        seen = {id(r) for r in resources}
        used = [(r, w) for *_, r, w in analysed] + [(r, w) for _, r, w in functions]
        for reads, writes in used:
            for bucket in (*reads, *writes):
                if id(bucket) not in seen:
                    seen.add(id(bucket))
                    resources.append(bucket)
        self._check_names(resources)
        # 2. cloud buckets and computes
        buckets = self._buckets([r for r in resources if isinstance(r, Bucket)])
        bucket_of = {n: b.key for b in buckets.values() for n in b.names}
        computes: dict[int, IRCompute] = {}
        for res in resources:
            if isinstance(res, Executor) and res.engine == "local":
                continue  # runs where the pipeline runs: no cloud identity
            if isinstance(res, Serverless | Executor):
                computes[id(res)] = IRCompute(
                    kind="function" if isinstance(res, Serverless) else "executor",
                    name=res.name,
                    provider=self.provider(res.provider.config),
                    resource=res,
                    tags=dict(res.provider.tags),
                )
        # 3. grants
        tasks: list[IRTask] = []
        for node_id, executor, reads, writes in analysed:
            tasks.append(
                IRTask(
                    node_id,
                    executor.name if executor is not None else None,
                    tuple(sorted(b.name for b in reads)),
                    tuple(sorted(b.name for b in writes)),
                )
            )
            for bucket in reads:
                buckets[bucket_of[bucket.name]].readers.append(node_id)
            for bucket in writes:
                buckets[bucket_of[bucket.name]].writers.append(node_id)
            if executor is not None and id(executor) in computes:
                _grant(computes[id(executor)], node_id, reads, writes, bucket_of)
        for fn, reads, writes in functions:
            _grant(computes[id(fn)], f"handler:{fn.name}", reads, writes, bucket_of)
        for ir_bucket in buckets.values():
            ir_bucket.readers = sorted(set(ir_bucket.readers))
            ir_bucket.writers = sorted(set(ir_bucket.writers))
        ordered = sorted(computes.values(), key=lambda c: c.name)
        return IRGraph(
            pipeline=graph.name,
            providers=sorted(self._providers.values(), key=lambda p: p.key),
            buckets=sorted(buckets.values(), key=lambda b: b.key),
            functions=[c for c in ordered if c.kind == "function"],
            executors=[c for c in ordered if c.kind == "executor"],
            tasks=tasks,
            bucket_of=bucket_of,
        )

    def _check_names(self, resources: Iterable[Resource]) -> dict[str, Resource]:
        by_name: dict[str, Resource] = {}
        for res in resources:
            other = by_name.get(res.name)
            if other is not None and other is not res:
                raise ConflictingConfigError(
                    f"Two resources of the pipeline are both named {res.name!r} ({other!r} and "
                    f"{res!r}); pass name=... to one of them."
                )
            by_name[res.name] = res
        return by_name

    def _declared(
        self, by_name: dict[str, Resource], graph: PipelineGraph
    ) -> dict[str, DeclaredAccess]:
        targets = {n.task.name for n in graph.nodes.values()}
        targets |= {n for n, r in by_name.items() if isinstance(r, Serverless)}
        out: dict[str, DeclaredAccess] = {}
        for target, spec in sorted(self._access_raw.items()):
            if target not in targets:
                raise AccessAnalysisError(
                    f"access={{{target!r}: ...}} names no task or function of pipeline "
                    f"{graph.name!r}; known: {', '.join(sorted(targets)) or 'none'}."
                )
            unknown_keys = set(spec) - {"reads", "writes"}
            if unknown_keys:
                raise AccessAnalysisError(
                    f"access[{target!r}] takes 'reads' and 'writes', not {sorted(unknown_keys)}."
                )
            out[target] = DeclaredAccess(
                reads=tuple(_bucket_ref(x, by_name, target) for x in spec.get("reads", ())),
                writes=tuple(_bucket_ref(x, by_name, target) for x in spec.get("writes", ())),
            )
        return out

    def _buckets(self, buckets: list[Bucket]) -> dict[str, IRBucket]:
        out: dict[str, IRBucket] = {}
        for bucket in buckets:
            provider = self.provider(bucket.provider.config)
            key = f"{provider.key}/{bucket.bucket_name}"
            found = out.get(key)
            if found is None:
                found = out[key] = IRBucket(
                    key=key,
                    bucket_name=bucket.bucket_name,
                    provider=provider,
                    config=None,
                    advanced=None,
                    tags=dict(bucket.provider.tags),
                )
            elif found.tags != dict(bucket.provider.tags):
                raise ConflictingConfigError(
                    f"Glacier buckets {found.names[0]!r} and {bucket.name!r} share the cloud "
                    f"bucket {found.bucket_name!r} but their providers have different tags. "
                    "One cloud bucket has one set of tags: give both providers the same tags."
                )
            found.names.append(bucket.name)
            found.paths.append(bucket.path)
            found.existing = found.existing or bucket.existing
            found.parts.append(
                IRBucketPart(bucket.name, bucket.path, bucket.config, bucket.advanced_config)
            )
        for found in out.values():
            self._merge(found)
        return out

    def _merge(self, bucket: IRBucket) -> None:
        """Merged bucket-level settings and per-path rules of a cloud bucket's parts."""
        configs = [Part(p.name, p.path, p.config) for p in bucket.parts if p.config is not None]
        advanced = [
            Part(p.name, p.path, p.advanced) for p in bucket.parts if p.advanced is not None
        ]
        if _all_equal([p.value for p in configs]):
            bucket.config = configs[0].value if configs else None
        else:
            merged, notes = self._merge_configs(bucket.provider.config, configs)
            bucket.config = merged
            bucket.notes += [f"{bucket.bucket_name}: {n}" for n in notes]
        if _all_equal([p.value for p in advanced]):
            bucket.advanced = advanced[0].value if advanced else None
            if bucket.advanced is not None and bucket.advanced.tiers():
                tiers = tuple(bucket.advanced.tiers())
                bucket.tier_rules = [TierRule("", tiers, advanced[0].name)]
        else:
            adv, notes = merge_advanced(advanced)
            bucket.advanced = adv
            bucket.notes += [f"{bucket.bucket_name}: {n}" for n in notes]
            bucket.tier_rules = [
                TierRule(scoped_prefix(p.path), tuple(p.value.tiers()), p.name)
                for p in advanced
                if p.value.tiers()
            ]
        if bucket.existing and (bucket.config is not None or bucket.advanced is not None):
            named = [p.name for p in bucket.parts if p.config or p.advanced]
            raise ConflictingConfigError(
                f"Cloud bucket {bucket.bucket_name!r} is declared existing=True (referenced, "
                f"not managed by Glacier), but {', '.join(map(repr, named))} set bucket "
                "settings (config / advanced_config) that Glacier could only apply by managing "
                "it. Remove those settings, or drop existing=True to let Glacier create it."
            )


def _all_equal(values: Sequence[object]) -> bool:
    """Whether every value equals the first (configs hold lists: not hashable)."""
    return all(v == values[0] for v in values[1:])


def _secret_fields(config: ProviderConfig) -> set[str]:
    return {n for n in type(config).model_fields if isinstance(getattr(config, n), SecretStr)}


def _bucket_ref(value: Bucket | str, by_name: dict[str, Resource], target: str) -> Bucket:
    if isinstance(value, Bucket):
        return value
    found = by_name.get(value) if isinstance(value, str) else None
    if not isinstance(found, Bucket):
        raise AccessAnalysisError(
            f"access[{target!r}] names {value!r}, which is not a bucket of the pipeline; pass "
            "the Bucket object or its name."
        )
    return found


def _resolve(
    result: AccessResult, decl: DeclaredAccess | None, label: str
) -> tuple[list[Bucket], list[Bucket]]:
    reads = dict(result.reads)
    writes = dict(result.writes)
    if decl is not None:
        reads.update({id(b): b for b in decl.reads})
        writes.update({id(b): b for b in decl.writes})
    declared = {id(b) for b in (decl.reads + decl.writes)} if decl else set()
    missing = [(b, why) for key, (b, why) in result.unknown.items() if key not in declared]
    if missing:
        lines = "; ".join(f"bucket {b.name!r}: {why}" for b, why in missing)
        first = missing[0][0].name
        target = label.split(" ", 1)[1].strip("'")
        raise AccessAnalysisError(
            f"Cannot tell how {label} uses {lines}. Declare it: PulumiCompiler(access="
            f"{{{target!r}: {{'reads': [{first!r}], 'writes': [...]}}}})."
        )
    return _by_name(reads), _by_name(writes)


def _by_name(found: Mapping[int, Bucket]) -> list[Bucket]:
    return sorted(found.values(), key=lambda b: b.name)


def _grant(
    compute: IRCompute,
    source: str,
    reads: list[Bucket],
    writes: list[Bucket],
    bucket_of: dict[str, str],
) -> None:
    compute.tasks.append(source)
    existing = set(compute.grants)
    for mode, found in (("read", reads), ("write", writes)):
        for bucket in found:
            grant = Grant(bucket_of[bucket.name], grant_prefix(bucket), mode)  # type: ignore[arg-type]
            if grant not in existing:
                existing.add(grant)
                compute.grants.append(grant)
    compute.grants.sort(key=lambda g: (g.bucket, g.prefix, g.mode))
