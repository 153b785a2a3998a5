import shutil

import pytest

from messages import DEFAULT_PACK_DIR


@pytest.fixture
def pack_copy(tmp_path):
    """A copy of the shipped pack to edit: a planted mistake must never touch the real one."""
    target = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK_DIR, target)
    return target
