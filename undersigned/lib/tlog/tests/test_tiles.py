from __future__ import annotations

import pytest

from undersigned.lib.tlog import merkle, tiles
from undersigned.lib.tlog.tiles import ENTRIES, Tile


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_tile_indexes_are_x_prefixed_3_digit_elements(n: int, text: str) -> None:
    assert tiles.format_index(n) == text


def test_tile_paths_round_trip() -> None:
    for tile in [Tile(0, 0), Tile(1, 1234067, 17), Tile(ENTRIES, 3, 112), Tile(63, 5)]:
        assert tiles.parse_tile_path(tile.path) == tile
    assert Tile(ENTRIES, 1234067, 1).path == "tile/entries/x001/x234/067.p/1"
    assert Tile(2, 0, 1).path == "tile/2/000.p/1"


@pytest.mark.parametrize(
    "bad",
    [
        "tile/0/1",
        "tile/0/0001",
        "tile/00/000",
        "tile/64/000",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/07",
        "tile/0/000.p/",
        "tile/data/000",
        "tiles/0/000",
        "tile/0/../000",
    ],
)
def test_non_canonical_tile_paths_are_refused(bad: str) -> None:
    with pytest.raises(tiles.TilePathError):
        tiles.parse_tile_path(bad)


def test_a_tree_of_70000_has_the_tiles_the_spec_lists() -> None:
    hash_tiles = tiles.tiles_for_size(70_000, entries=False)
    level0 = [t for t in hash_tiles if t.level == 0]
    assert len([t for t in level0 if not t.is_partial]) == 273
    assert [t.width for t in level0 if t.is_partial] == [112]
    assert [(t.index, t.width) for t in hash_tiles if t.level == 1] == [(0, 256), (1, 17)]
    assert [(t.index, t.width) for t in hash_tiles if t.level == 2] == [(0, 1)]


def test_a_tree_of_256_is_one_full_tile_and_a_partial_level_1_tile() -> None:
    assert tiles.tiles_for_size(256, entries=False) == [Tile(0, 0), Tile(1, 0, 1)]


def test_growing_writes_only_new_full_tiles_and_changed_partials() -> None:
    grown = tiles.new_tiles(300, 600, entries=False)
    assert grown == [Tile(0, 1), Tile(0, 2, 88), Tile(1, 0, 2)]
    assert tiles.new_tiles(300, 301, entries=False) == [Tile(0, 1, 45)]
    assert tiles.new_tiles(300, 300) == []


def _tree(size: int) -> merkle.LeafList:
    return merkle.LeafList([merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)])


def test_roots_and_proofs_read_from_tiles_equal_those_from_the_leaves() -> None:
    for size in [1, 5, 255, 256, 257, 511, 65536 + 300]:
        tree = _tree(size)
        store = {t: tiles.tile_data(t, tree) for t in tiles.tiles_for_size(size, entries=False)}
        from_tiles = tiles.TileHashes(size, store.__getitem__)
        assert merkle.root_hash(size, from_tiles) == tree.root()
        for index in {0, size // 2, size - 1}:
            proof = merkle.inclusion_proof(index, size, from_tiles)
            assert proof == merkle.inclusion_proof(index, size, tree)
        old = max(1, size // 3)
        proof = merkle.consistency_proof(old, size, from_tiles)
        assert merkle.verify_consistency(old, size, tree.root(old), tree.root(), proof)


def test_a_tile_of_the_wrong_width_is_refused() -> None:
    tree = _tree(10)
    reader = tiles.TileHashes(10, lambda t: tiles.tile_data(Tile(0, 0, 9), tree))
    with pytest.raises(merkle.ProofError):
        merkle.root_hash(10, reader)


def test_entry_bundles_are_uint16_length_prefixed() -> None:
    entries = [b"", b"a", b"x" * 300]
    data = tiles.encode_bundle(entries)
    assert data[:5] == b"\x00\x00\x00\x01a" and tiles.decode_bundle(data) == entries
    with pytest.raises(ValueError):
        tiles.decode_bundle(data[:-1])
    with pytest.raises(ValueError):
        tiles.encode_bundle([b"x" * 65536])
