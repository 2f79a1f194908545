"""The driver image of the Azure driver: an Azure Container Registry of the pipeline and the
image ``pulumi up`` builds from ``build/driver/Dockerfile`` (pulumi-docker-build) and pushes
there with the registry's admin credentials (read by the program, kept as Pulumi secrets; the
job pulls with its managed identity, AcrPull)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from glacier.plugin import (
    CONTEXT,
    DOCKERFILE,
    ArtifactHandle,
    Call,
    Expr,
    IRDriver,
    ProgramWriter,
    dockerfile_text,
)
from glacier_azure.pulumi.jobs import invoke_opts, slug
from glacier_azure.pulumi.names import short_hash
from glacier_azure.pulumi.provider import placement

AZ = "azure_native."
#: requirements.txt line when Glacier builds the image.
DOCKER_BUILD_REQUIREMENT = "pulumi-docker-build>=0.0.8,<1"
DOCKER_BUILD_IMPORT = "import pulumi_docker_build as docker_build"
#: Built-in role: pull images from a registry.
ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d"


def registry_name(driver: IRDriver) -> str:
    """The registry name: 5-50 letters and digits, unique in Azure (hence a hash)."""
    words = re.sub(r"[^a-z0-9]", "", driver.pipeline.lower())[:30]
    return (
        f"glacier{words}{short_hash(driver.pipeline, driver.provider.key, driver.staging_bucket)}"
    )


def emit_image(
    ir: Any, driver: IRDriver, artifact: ArtifactHandle, out: ProgramWriter
) -> tuple[str, str]:
    """The driver's registry (Basic, no anonymous pull) and the image built from
    ``build/driver/Dockerfile`` and pushed there by ``pulumi up``."""
    out.add_import(DOCKER_BUILD_IMPORT)
    if DOCKER_BUILD_REQUIREMENT not in out.ir.program_requirements:
        out.ir.program_requirements.append(DOCKER_BUILD_REQUIREMENT)
    provider = driver.provider
    where = placement(ir, provider, out)
    registry = out.resource(
        AZ + "containerregistry.Registry",
        f"{driver.name}-registry",
        {
            **where,
            "registry_name": registry_name(driver),
            "sku": Call(AZ + "containerregistry.SkuArgs", {"name": "Basic"}),
            "admin_user_enabled": True,
            "anonymous_pull_enabled": False,
            "tags": driver.tags or None,
        },
        comment=[
            "Private registry of the driver image. Its admin user lets `pulumi up` push (the "
            "password stays a Pulumi secret);",
            "the job pulls with its identity (AcrPull). DriverConfig(image=...) creates no "
            "registry.",
        ],
        provider=provider,
        var_hint=f"{driver.name}_registry",
    )
    login = out.value(
        f"{slug(driver.name).replace('-', '_')}_registry_login",
        Call(
            AZ + "containerregistry.list_registry_credentials_output",
            {
                "registry_name": Expr(f"{registry}.name"),
                "resource_group_name": where["resource_group_name"],
                "opts": invoke_opts(driver, out),
            },
        ),
        comment="The registry's push credentials (read when the program runs)",
    )
    text = dockerfile_text(driver.config.resolved_base_image(), driver.pipeline)
    recipe = hashlib.sha256(text.encode()).hexdigest()[:8]
    repository = f"glacier/{slug(driver.pipeline)}-driver"
    tag = Call(
        "pulumi.Output.concat",
        args=(
            Expr(f"{registry}.login_server"),
            f"/{repository}:",
            Expr(f'{artifact.info}["sha256"][:24]'),
            f"-{recipe}",
        ),
    )
    password = Expr(f"{login}.passwords.apply(lambda p: p[0].value if p else None)")
    image = out.resource(
        "docker_build.Image",
        f"{driver.name}-image",
        {
            "context": Call("docker_build.BuildContextArgs", {"location": CONTEXT}),
            "dockerfile": Call("docker_build.DockerfileArgs", {"location": DOCKERFILE}),
            "platforms": ["linux/amd64"],
            "push": True,
            "tags": [tag],
            "registries": [
                Call(
                    "docker_build.RegistryArgs",
                    {
                        "address": Expr(f"{registry}.login_server"),
                        "username": Expr(f"{login}.username"),
                        "password": Call(
                            "pulumi.Output.secret",
                            args=(password,),
                        ),
                    },
                )
            ],
        },
        comment=[
            f"The driver image: {DOCKERFILE} (the base image plus the artifact), built by "
            "`pulumi up` on this machine (needs Docker) and pushed to the registry.",
            "Or build it elsewhere and pass DriverConfig(image=...).",
        ],
        var_hint=f"{driver.name}_image",
        depends_on=[artifact.var],
    )
    return image, registry
