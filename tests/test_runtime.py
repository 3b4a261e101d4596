"""archive.runtime: the process-level set-up of commands that run flows."""

from __future__ import annotations

import gc
import sys

import pytest

from archive.runtime import collector_paused, import_flows
from archive_app.cli import main


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_for_the_block_and_restored_as_it_was(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError), collector_paused():
            raise ValueError("an import failed")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_import_flows_returns_the_module_and_leaves_the_collector_on() -> None:
    module = import_flows("flows.runtime")
    assert module is sys.modules["flows.runtime"] and callable(module.using_api)
    assert gc.isenabled()


def test_main_called_by_a_program_keeps_its_collector(capsys: pytest.CaptureFixture[str]) -> None:
    # Only the console command freezes its objects at exit; a caller of main([...]) lives on.
    frozen = gc.get_freeze_count()
    assert main(["validate", "--help"]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert "validate" in capsys.readouterr().out
