"""Atomic writes: a file, a folder or a link is there whole, or as it was; nothing half is left."""

from __future__ import annotations

import errno
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


def no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_tree_that_cannot_be_written_leaves_nothing_and_names_its_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", no_space)  # the disk fills up under the first file
    with pytest.raises(OSError) as failed:
        fsio.write_tree_atomically(tmp_path / "v1", {"publicera/a.txt": b"a", "b.txt": b"b"})
    assert failed.value.errno == errno.ENOSPC
    assert failed.value.filename == str(tmp_path / "v1")  # not the staging folder, gone by now
    assert list(tmp_path.iterdir()) == []


class FullDisk:
    """A file whose buffered bytes cannot be flushed when it is closed."""

    def __init__(self, file) -> None:
        self.file = file

    def write(self, data: bytes) -> int:
        return self.file.write(data)

    def close(self) -> None:
        self.file.close()
        no_space()


def test_a_temporary_file_is_removed_when_closing_it_fails_too(tmp_path):
    with pytest.raises(RuntimeError), fsio.TemporaryFile(tmp_path) as out:
        out.file = FullDisk(out.file)
        out.write(b"half")
        raise RuntimeError("the disk filled up")
    assert list(tmp_path.iterdir()) == []


def test_a_link_that_cannot_be_made_leaves_the_old_one_and_names_itself(tmp_path, monkeypatch):
    (tmp_path / "v1").mkdir()
    current = tmp_path / "aktuell"
    fsio.swap_link(current, "v1")
    monkeypatch.setattr(os, "symlink", no_space)
    with pytest.raises(OSError) as failed:
        fsio.swap_link(current, "v2")
    assert failed.value.filename == str(current)
    assert os.readlink(current) == "v1"
    assert leftovers(tmp_path) == []


def test_a_folder_in_the_links_place_is_put_back_when_the_link_cannot_replace_it(
    tmp_path, monkeypatch
):
    (tmp_path / "v2").mkdir()
    old = tmp_path / "rapport"
    old.mkdir()
    (old / "figures.json").write_text("{}")
    replace = os.replace

    def link_refused(source, target) -> None:
        if ".lank-" in str(source):
            no_space()
        replace(source, target)

    monkeypatch.setattr(os, "replace", link_refused)
    with pytest.raises(OSError):
        fsio.swap_link(old, "v2")
    assert not old.is_symlink() and (old / "figures.json").exists()
    assert leftovers(tmp_path) == []


def test_a_bundle_that_cannot_be_put_in_place_leaves_the_one_there(tmp_path, monkeypatch):
    from lofte_pipeline.placement import publish_bundle

    folder = tmp_path / "2019-T1"
    publish_bundle(folder, {"publicera/figures.json": b"1"})
    [version] = leftovers(tmp_path)
    monkeypatch.setattr(fsio, "swap_link", no_space)
    with pytest.raises(OSError) as failed:
        publish_bundle(folder, {"publicera/figures.json": b"2"})
    assert failed.value.filename == str(folder)
    assert leftovers(tmp_path) == [version]  # the new version is gone again
    assert (folder / "publicera" / "figures.json").read_bytes() == b"1"
