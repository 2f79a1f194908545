"""The local backend: the embedded default. Everything runs on one machine, no cloud account.

It registers through the same hooks as every cloud plugin (:mod:`glacier.local.hooks`).
"""
