"""Build the IR (:mod:`glacier.compiler.ir`) from a pipeline's graph: analyse every task's
access to buckets, group Glacier buckets into cloud buckets (merging their settings, see
:mod:`glacier.compiler.merge`), and give every function and executor exactly its grants."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import SecretStr

from glacier.compiler.errors import AccessAnalysisError, ConflictingConfigError
from glacier.compiler.ir import (
    Grant,
    IRBucket,
    IRBucketPart,
    IRCompute,
    IRGraph,
    IRProvider,
    IRTask,
    TierRule,
)
from glacier.compiler.merge import Part, same, scoped_prefix
from glacier.compiler.merge_advanced import merge_advanced
from glacier.dag.access import AccessResult, analyze_function
from glacier.dag.graph import PipelineGraph
from glacier.models import BucketConfig, ProviderConfig
from glacier.resources.base import Resource
from glacier.resources.bucket import Bucket
from glacier.resources.executor import Executor
from glacier.resources.serverless import Serverless


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
                reads=tuple(_resolve_bucket(x, by_name, target) for x in spec.get("reads", ())),
                writes=tuple(_resolve_bucket(x, by_name, target) for x in spec.get("writes", ())),
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


def _resolve_bucket(value: Bucket | str, by_name: dict[str, Resource], target: str) -> Bucket:
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
