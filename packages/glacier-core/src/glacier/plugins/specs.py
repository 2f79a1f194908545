"""What plugins register: small frozen records, returned from hooks.

Every class a record names - config, adapter, emitter - is given either as the class itself
or, preferably, as a ``"package.module:Class"`` string naming the module that *defines* it.
Strings are imported only when the record is used, so loading a plugin imports neither its
pydantic config models nor its cloud SDK: ``Provider.from_env()`` on a machine with every
cloud plugin installed loads only the local backend's modules.

Lookups by type compare the type's ``module:qualname`` along its MRO with these strings
(:func:`class_key`), so a subclass of ``AwsConfig`` finds the S3 adapter without anything
being imported that the caller has not imported already.

This module imports nothing heavy: hook modules import it on every plugin load.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeAlias

if TYPE_CHECKING:
    from glacier.models import (
        BucketConfig,
        ExecutorConfig,
        GlacierModel,
        ProviderConfig,
        ServerlessConfig,
    )

#: A class, or the ``"package.module:Class"`` path of the module that defines it.
ClassRef: TypeAlias = "type | str"


def class_key(cls: type) -> str:
    """``"module:qualname"`` of a class: how registrations are keyed."""
    return f"{cls.__module__}:{cls.__qualname__}"


def ref_key(ref: ClassRef, what: str = "class") -> str:
    """The registration key of a ref: :func:`class_key` of a class, the string itself for a
    ``"module:Class"`` path.

    Raises ``ValueError`` (which the host reports naming the plugin) for a string that is not
    of the form ``"package.module:Class"``: the module part is needed to match classes by
    their ``__module__`` without importing anything.
    """
    if isinstance(ref, type):
        return class_key(ref)
    if not isinstance(ref, str):
        raise ValueError(
            f"the {what} must be a class or a 'package.module:Class' string, got {ref!r}"
        )
    module, sep, attr = ref.partition(":")
    if not sep or not module or not attr or ":" in attr:
        raise ValueError(
            f"the {what} {ref!r} must be written 'package.module:Class' (the module that "
            f"defines the class, a colon, the class name)"
        )
    return ref


def short_name(ref: ClassRef) -> str:
    """The class name a ref points to (``"glacier_aws.config:AwsConfig"`` -> ``AwsConfig``)."""
    if isinstance(ref, type):
        return ref.__name__
    return ref.rpartition(":")[2].rpartition(".")[2]


def mro_keys(cls: type) -> list[str]:
    """:func:`class_key` of every class in ``cls.__mro__``, most specific first."""
    return [class_key(klass) for klass in getattr(cls, "__mro__", (cls,))]


def is_subclass_of(cls: type, refs: Iterable[ClassRef]) -> bool:
    """Whether ``cls`` is (a subclass of) one of ``refs``, comparing names: nothing is
    imported."""
    keys = set(mro_keys(cls))
    return any(ref_key(ref) in keys for ref in refs)


def load_ref(ref: Any) -> Any:
    """Import ``"package.module:Attr"`` with :func:`pkgutil.resolve_name` (anything that is
    not a string is returned as it is)."""
    if not isinstance(ref, str):
        return ref
    return pkgutil.resolve_name(ref)


def _check_refs(record: object, **refs: ClassRef | None) -> None:
    for what, ref in refs.items():
        if ref is not None:
            ref_key(ref, f"{type(record).__name__}.{what}")


class _Record:
    """Base of the records below: immutable, compared, hashed and shown by their fields
    (``_fields``, in constructor order).

    Plain slotted classes rather than dataclasses: building five frozen dataclasses costs
    ~2 ms at import, and every plugin's hook module imports this one.
    """

    __slots__: tuple[str, ...] = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; use .replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({fields})"

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (like :func:`dataclasses.replace`)."""
        values = {name: getattr(self, name) for name in self._fields}
        return type(self)(**{**values, **changes})


class BucketBackend(_Record):
    """Storage for providers configured with ``provider_config``.

    :param provider_config: the provider config class this storage serves (``AwsConfig``).
    :param config: the bucket config class users may pass to ``provider.bucket(config=...)``
        (``S3Config``), or None when the provider takes none.
    :param adapter: a :class:`glacier.adapters.base.BucketAdapter` subclass.
    :param validate_name: raises ``ValueError`` with the broken rule for an invalid bucket
        name (a function, or its ``"module:function"`` path).
    """

    _fields = ("provider_config", "config", "adapter", "validate_name")  # constructor order
    __slots__ = _fields
    provider_config: type[ProviderConfig] | str
    config: type[BucketConfig] | str | None
    adapter: type | str
    validate_name: Callable[[str], None] | str | None

    def __init__(
        self,
        provider_config: type[ProviderConfig] | str,
        config: type[BucketConfig] | str | None,
        adapter: type | str,
        validate_name: Callable[[str], None] | str | None = None,
    ) -> None:
        _check_refs(self, provider_config=provider_config, config=config, adapter=adapter)
        self._init(
            provider_config=provider_config,
            config=config,
            adapter=adapter,
            validate_name=validate_name,
        )


class ServerlessBackend(_Record):
    """Functions for providers configured with ``provider_config``.

    :param provider_config: the provider config class (``AwsConfig``).
    :param config: the function config class (``LambdaConfig``), or None.
    :param adapter: a :class:`glacier.adapters.base.ServerlessAdapter` subclass.
    """

    _fields = ("provider_config", "config", "adapter")  # constructor order
    __slots__ = _fields
    provider_config: type[ProviderConfig] | str
    config: type[ServerlessConfig] | str | None
    adapter: type | str

    def __init__(
        self,
        provider_config: type[ProviderConfig] | str,
        config: type[ServerlessConfig] | str | None,
        adapter: type | str,
    ) -> None:
        _check_refs(self, provider_config=provider_config, config=config, adapter=adapter)
        self._init(provider_config=provider_config, config=config, adapter=adapter)


class ExecutorBackend(_Record):
    """An engine chosen by the executor's own config type (Databricks runs on any cloud).

    :param config: the executor config class (``GlueConfig``).
    :param adapter: a :class:`glacier.adapters.base.ExecutorAdapter` subclass.
    :param provider_configs: provider config classes this engine runs on; empty means any.
    """

    _fields = ("config", "adapter", "provider_configs")  # constructor order
    __slots__ = _fields
    config: type[ExecutorConfig] | str
    adapter: type | str
    provider_configs: tuple[type[ProviderConfig] | str, ...]

    def __init__(
        self,
        config: type[ExecutorConfig] | str,
        adapter: type | str,
        provider_configs: tuple[type[ProviderConfig] | str, ...] = (),
    ) -> None:
        _check_refs(self, config=config, adapter=adapter)
        for ref in provider_configs:
            _check_refs(self, provider_configs=ref)
        self._init(config=config, adapter=adapter, provider_configs=tuple(provider_configs))


class EnvDetector(_Record):
    """Picks a provider config from environment variables for ``Provider.from_env()``.

    Detectors run in ascending ``priority``; the first that returns a config wins. The
    design's order is AWS (100), Azure (200), GCP (300), then Local (10_000).

    Give either ``config`` (the common case: the detector fires when any of ``variables`` is
    set - always, when there are none - and returns ``config.from_env(environ)``; the config
    module is imported only then) or ``detect``, a function of the environment returning a
    config or None.

    :param name: short name shown by ``glacier plugins`` (``"aws"``).
    :param priority: lower runs first.
    :param detect: ``detect(environ) -> ProviderConfig | None``.
    :param variables: environment variables that make this detector fire.
    :param config: the provider config class (or its ``"module:Class"`` path).
    """

    _fields = ("name", "priority", "detect", "variables", "config")  # constructor order
    __slots__ = _fields
    name: str
    priority: int
    detect: Callable[[Mapping[str, str]], ProviderConfig | None] | None
    variables: tuple[str, ...]
    config: type[ProviderConfig] | str | None

    def __init__(
        self,
        name: str,
        priority: int,
        detect: Callable[[Mapping[str, str]], ProviderConfig | None] | None = None,
        variables: tuple[str, ...] = (),
        config: type[ProviderConfig] | str | None = None,
    ) -> None:
        if detect is None and config is None:
            raise ValueError(f"EnvDetector {name!r} needs config= or detect=")
        _check_refs(self, config=config)
        self._init(
            name=name, priority=priority, detect=detect, variables=tuple(variables), config=config
        )

    def __call__(self, environ: Mapping[str, str]) -> ProviderConfig | None:
        """The config this detector picks for ``environ``, or None."""
        if self.detect is not None:
            return self.detect(environ)
        if self.variables and not any(environ.get(v) for v in self.variables):
            return None
        config_cls: type[ProviderConfig] = load_ref(self.config)
        return config_cls.from_env(environ)


class PulumiEmitterSpec(_Record):
    """Renders the compiler's resource graph for one config type.

    :param provider_config: a provider config class (the emitter is then a
        :class:`glacier.compiler.emitter.PulumiEmitter`) or an executor config class (an
        :class:`glacier.compiler.emitter.EngineEmitter`, e.g. Databricks on any cloud).
    :param emitter: the emitter class.
    """

    _fields = ("provider_config", "emitter")  # constructor order
    __slots__ = _fields
    provider_config: type[ProviderConfig] | type[ExecutorConfig] | str
    emitter: type | str

    def __init__(
        self,
        provider_config: type[ProviderConfig] | type[ExecutorConfig] | str,
        emitter: type | str,
    ) -> None:
        _check_refs(self, provider_config=provider_config, emitter=emitter)
        self._init(provider_config=provider_config, emitter=emitter)


#: What ``glacier_configs`` returns: config classes or their ``"module:Class"`` paths.
ConfigRef: TypeAlias = "type[GlacierModel] | str"
