"""Taking a pipeline to production: the code artifact, the deployment record, ``glacier deploy``.

- :mod:`glacier.deploy.record`: what a deployment created (names, ids, URLs, identities, the
  artifact), saved by ``glacier deploy`` and read by the runtime, so the untouched pipeline
  script runs against the deployed resources.
- :mod:`glacier.deploy.artifact`: ``glacier package``: one wheel holding the pipeline, the
  user's modules it imports, glacier-core and the plugins it needs, with pinned requirements.
- :mod:`glacier.deploy.lambda_package`: a Lambda zip vendoring the artifact's requirements
  for the target platform.
- :mod:`glacier.deploy.automation`: ``glacier deploy`` over Pulumi's Automation API.

Nothing here is imported by ``import glacier``.
"""
