"""Validation tests check bags that the package tests' fixtures build."""

from tests.package.conftest import bag, info, inputs, make_warc, rehash  # noqa: F401 (pytest fixtures)
