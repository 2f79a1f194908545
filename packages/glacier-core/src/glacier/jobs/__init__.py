"""The job package: one task, run on any engine.

A job is a JSON document (:class:`glacier.jobs.spec.JobSpec`): the task's code reference,
its inputs (literals, buckets, staged frames) and where its result goes. The same document
runs under ``python -m glacier.jobs.runner`` locally, in a Spark driver, or any engine's
Python entry point.
"""
