"""The application layer: the `archive` command line and the bundled demo site.

It sits above both the library (``archive``) and the orchestration (``flows``) and may import
either; neither may import it (tests/test_layers.py enforces the direction).
"""
