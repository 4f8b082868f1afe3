"""Atomic writes: a file, a folder or a link is there whole, or as it was; nothing half is left."""

from __future__ import annotations

import os

import pytest

from lofte_pipeline import fsio


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_atomic_replaces_the_whole_file_and_leaves_nothing_beside_it(tmp_path):
    path = tmp_path / "ny" / "tillstand.json"
    fsio.write_atomic(path, b"first")
    fsio.write_atomic(path, b"second, longer")
    assert path.read_bytes() == b"second, longer"
    assert leftovers(path.parent) == []
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_write_that_fails_keeps_what_was_there(tmp_path):
    path = tmp_path / "tillstand.json"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), fsio.TemporaryFile(tmp_path) as out:
        out.write(b"half")
        raise RuntimeError("killed half way")
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_an_uncommitted_temporary_file_is_removed(tmp_path):
    with fsio.TemporaryFile(tmp_path) as out:
        out.write(b"not needed")
    assert list(tmp_path.iterdir()) == []


def test_a_copy_is_put_in_place_whole(tmp_path):
    source = tmp_path / "blob"
    source.write_bytes(os.urandom(3 << 20))
    fsio.copy_atomic(source, tmp_path / "karantan" / "fil.xlsx")
    assert (tmp_path / "karantan" / "fil.xlsx").read_bytes() == source.read_bytes()


def test_a_tree_appears_whole_and_never_over_a_folder_with_files(tmp_path):
    files = {"publicera/a.txt": b"a", "intern/b.txt": b"b"}
    fsio.write_tree_atomically(tmp_path / "v1", files)
    assert {
        p.relative_to(tmp_path / "v1").as_posix(): p.read_bytes()
        for p in (tmp_path / "v1").rglob("*")
        if p.is_file()
    } == files
    with pytest.raises(OSError):
        fsio.write_tree_atomically(tmp_path / "v1", {"c.txt": b"c"})
    assert not (tmp_path / "v1" / "c.txt").exists()
    assert leftovers(tmp_path) == []


def test_a_link_is_swapped_in_one_step_and_a_folder_in_its_place_is_kept(tmp_path):
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    current = tmp_path / "aktuell"
    assert fsio.swap_link(current, "v1") is None
    assert fsio.swap_link(current, "v2") == "v1"
    assert os.readlink(current) == "v2"
    old = tmp_path / "rapport"
    old.mkdir()
    (old / "figures.json").write_text("{}")
    assert fsio.swap_link(old, "v2") == ".rapport.v-foregaende"
    assert (tmp_path / ".rapport.v-foregaende" / "figures.json").exists()
    assert os.readlink(old) == "v2"
    assert leftovers(tmp_path) == [".rapport.v-foregaende"]
