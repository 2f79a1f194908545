"""Errors the Pulumi compiler raises. All are :class:`glacier.errors.GlacierError`."""

from __future__ import annotations

from glacier.errors import GlacierError, NotSupportedError


class CompilerError(GlacierError, ValueError):
    """A pipeline cannot be compiled as written; the message says what to change."""


class UnsupportedFeatureError(CompilerError, NotSupportedError):
    """A feature the target cloud cannot express. Names the feature, the cloud and the
    nearest alternative, so nothing is ever dropped silently."""

    def __init__(self, feature: str, cloud: str, alternative: str, detail: str = "") -> None:
        self.feature = feature
        self.cloud = cloud
        self.alternative = alternative
        extra = f" {detail.rstrip('.')}." if detail else ""
        super().__init__(
            f"{feature} is not supported on {cloud}.{extra} Nearest alternative: {alternative}."
        )


class ConflictingConfigError(CompilerError):
    """Two Glacier resources map to one cloud resource with different settings."""


class AccessAnalysisError(CompilerError):
    """Static analysis could not tell how a task uses a bucket, and nothing was declared."""


class CustomizationError(CompilerError):
    """A ``PulumiCustomization`` names no resource, or its function cannot be imported."""


class InjectionError(CompilerError):
    """Custom code for ``PulumiProgramInjector`` does not parse, or the program is missing."""


class MissingEmitterError(CompilerError):
    """No installed plugin renders resources of this provider/executor config type."""


class InvalidNameError(CompilerError):
    """A resource or pipeline name cannot be compiled (a lone surrogate, a control
    character, too long); raised at compile, before anything is written."""


class ExportError(CompilerError):
    """``export_pulumi`` could not write the project (disk full, permissions); the previous
    project in the target folder is left as it was."""
