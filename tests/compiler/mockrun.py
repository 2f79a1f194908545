"""Run an exported Pulumi program under Pulumi's unit-test mocks and record the graph.

The implementation is :mod:`glacier.deploy.mockrun` (also what ``glacier deploy --plan``
runs); this module keeps the tests' import path. Under mocks wrong types pass silently, so
tests assert inputs themselves.
"""

from __future__ import annotations

from glacier.deploy.mockrun import MOCK_CALLS, Graph, Registered, mock_outputs, run_program

__all__ = ["MOCK_CALLS", "Graph", "Registered", "mock_outputs", "run_program"]
