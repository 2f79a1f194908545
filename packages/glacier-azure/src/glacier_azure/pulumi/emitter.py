"""``AzureEmitter``: renders Azure providers, storage accounts, containers and identities
(pulumi-azure-native 3)."""

from __future__ import annotations

from typing import Any, ClassVar

from glacier.compiler.emitter import PulumiEmitter
from glacier.compiler.ir import IRBucket, IRCompute, IRProvider
from glacier.compiler.program import ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier_azure.pulumi import access, storage
from glacier_azure.pulumi import compute as azure_compute

AZ = "azure_native."


class AzureEmitter(PulumiEmitter):
    """Azure: explicit provider per subscription/location, one resource group and storage
    account per provider, a container per bucket, user-assigned identities."""

    cloud: ClassVar[str] = "azure"
    label: ClassVar[str] = "Azure"
    imports: ClassVar[tuple[str, ...]] = ("import pulumi_azure_native as azure_native",)
    requirements: ClassVar[tuple[str, ...]] = ("pulumi-azure-native>=3.0,<4",)

    def emit_provider(self, provider: IRProvider, out: ProgramWriter) -> None:
        self._provider(provider, out, f"Glacier provider {provider.key}")

    def _provider(self, provider: IRProvider, out: ProgramWriter, comment: str) -> str:
        config = provider.config
        var = out.resource(
            AZ + "Provider",
            provider.key,
            {
                "location": config.location,
                "subscription_id": config.subscription_id,
                "tenant_id": config.tenant_id,
            },
            comment=f"{comment}: Azure {config.location}",
            var_hint=provider.key,
        )
        out.set_ref(provider.key, var)
        return var

    def provider_for(self, location: str, source: IRProvider, out: ProgramWriter) -> IRProvider:
        """A provider like ``source`` in ``location`` (reused when the pipeline has one)."""
        group = source.config.resource_group
        config = source.config.model_copy(
            update={
                "location": location,
                "storage_account": None,
                "resource_group": f"{group}-{location}" if group else None,
            }
        )
        for provider in self.ir.providers:
            if provider.config == config:
                return provider
        provider = IRProvider(self.provider_key(config), config)
        if not out.has_ref(provider.key):
            self._provider(provider, out, "Provider for replication")
        return provider

    def resource_group(self, provider: IRProvider, out: ProgramWriter) -> str:
        """The provider's resource group (emitted on first use)."""
        ref = f"rg:{provider.key}"
        if not out.has_ref(ref):
            name = provider.config.resource_group or f"glacier-{self.ir.pipeline}-{provider.key}"
            var = out.resource(
                AZ + "resources.ResourceGroup",
                name,
                {
                    "resource_group_name": name,
                    "location": provider.config.location,
                    "tags": self.tags_of(provider) or None,
                },
                comment=f"Resource group of {provider.key}",
                provider=provider,
                var_hint=f"{provider.key}_rg",
            )
            out.set_ref(ref, var)
        return out.ref(ref)

    def tags_of(self, provider: IRProvider) -> dict[str, str]:
        for res in self.ir.resources:
            if res.provider.key == provider.key and res.tags:
                return dict(res.tags)
        return {}

    def client_config(self, provider: IRProvider, out: ProgramWriter) -> str:
        """``get_client_config_output()`` of the provider (tenant and subscription ids)."""
        ref = f"client:{provider.key}"
        if not out.has_ref(ref):
            var = out.value(
                f"{provider.key}_client",
                Call(
                    AZ + "authorization.get_client_config_output",
                    {
                        "opts": Call(
                            "pulumi.InvokeOutputOptions", {"provider": Expr(out.ref(provider.key))}
                        )
                    },
                ),
                comment=f"Tenant and subscription of {provider.key}",
            )
            out.set_ref(ref, var)
        return out.ref(ref)

    def role_id(self, provider: IRProvider, guid: str, out: ProgramWriter) -> Any:
        """Full id of a built-in role definition in the provider's subscription."""
        sub = provider.config.subscription_id
        tail = f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        if sub:
            return f"/subscriptions/{sub}{tail}"
        client = self.client_config(provider, out)
        return Call(
            "pulumi.Output.concat",
            args=("/subscriptions/", Expr(f"{client}.subscription_id"), tail),
        )

    def writer_role(self, provider: IRProvider, out: ProgramWriter) -> str:
        """The custom write-only data role, defined once per provider."""
        ref = f"writer-role:{provider.key}"
        if not out.has_ref(ref):
            rg = self.resource_group(provider, out)
            var = out.resource(
                AZ + "authorization.RoleDefinition",
                f"{provider.key}-blob-writer",
                access.writer_role_args(rg),
                comment="Custom role: blob write/add/delete only (built-in roles bundle read)",
                provider=provider,
                var_hint=f"{provider.key}_blob_writer",
            )
            out.set_ref(ref, var)
        return out.ref(ref)

    def emit_bucket(self, bucket: IRBucket, out: ProgramWriter) -> None:
        storage.emit_container(self, bucket, out)

    def emit_identity(self, compute: IRCompute, out: ProgramWriter) -> str:
        return access.emit_identity(self, compute, out)

    def emit_function_compute(self, function: IRCompute, identity: str, out: ProgramWriter) -> None:
        azure_compute.emit_function(self, function, identity, out)

    def emit_executor_compute(self, executor: IRCompute, identity: str, out: ProgramWriter) -> None:
        azure_compute.emit_executor(self, executor, identity, out)
