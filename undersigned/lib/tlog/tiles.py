"""C2SP tlog-tiles: tile paths, tile contents, entry bundles, and hashes read back from tiles.

A tile is 256 consecutive hashes of one level (height 8): level 0 holds leaf hashes, level
``l`` the roots of complete level ``l - 1`` tiles. The rightmost tiles are partial
(``.p/<W>``). Files are immutable once written, so any cache may keep them for ever.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .merkle import HASH_SIZE, PerfectHash, ProofError, node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
ENTRIES = -1  # the level used for entry bundles (tile/entries/...)

_INDEX_RE = re.compile(r"^(?:x\d{3}/)*\d{3}$")


class TilePathError(ValueError):
    pass


@dataclass(frozen=True)
class Tile:
    level: int  # ENTRIES for an entry bundle
    index: int
    width: int = TILE_WIDTH

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH


def format_index(n: int) -> str:
    """1234067 -> 'x001/x234/067': 3-digit elements, all but the last prefixed with x."""
    if n < 0:
        raise TilePathError(f"negative tile index {n}")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise TilePathError(f"tile width {width} is not in 1..256")
    if not ENTRIES <= level <= MAX_LEVEL:
        raise TilePathError(f"tile level {level} is not in 0..63")
    head = "entries" if level == ENTRIES else str(level)
    tail = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{head}/{format_index(index)}{tail}"


def parse_tile_path(path: str) -> Tile:
    """The inverse of ``tile_path``; anything not in canonical form is refused."""
    if not path.startswith("tile/"):
        raise TilePathError(f"not a tile path: {path!r}")
    head, _, rest = path[len("tile/") :].partition("/")
    rest, partial, width_text = rest.partition(".p/")
    level = _parse_level(head, path)
    if not _INDEX_RE.match(rest) or (rest.startswith("x000/")):
        raise TilePathError(f"bad tile index in {path!r}")
    index = int(rest.replace("x", "").replace("/", ""))
    width = TILE_WIDTH
    if partial:
        if not re.fullmatch(r"[1-9]\d{0,2}", width_text) or int(width_text) >= TILE_WIDTH:
            raise TilePathError(f"bad partial width in {path!r}")
        width = int(width_text)
    return Tile(level, index, width)


def _parse_level(head: str, path: str) -> int:
    if head == "entries":
        return ENTRIES
    if not re.fullmatch(r"0|[1-9]\d?", head) or int(head) > MAX_LEVEL:
        raise TilePathError(f"bad tile level in {path!r}")
    return int(head)


def tiles_for_size(size: int, *, entries: bool = True) -> list[Tile]:
    """Every tile (and entry bundle) a tree of ``size`` leaves is served as."""
    return new_tiles(0, size, entries=entries)


def new_tiles(old_size: int, new_size: int, *, entries: bool = True) -> list[Tile]:
    """The tiles to write when the tree grows from ``old_size`` to ``new_size``.

    Full tiles are written once, when they complete; a partial tile is written for each size
    a checkpoint is signed at, as the spec requires.
    """
    tiles: list[Tile] = []
    level = 0
    while TILE_WIDTH**level <= new_size:
        span = TILE_WIDTH**level
        old_hashes, new_hashes = old_size // span, new_size // span
        levels = [level, ENTRIES] if level == 0 and entries else [level]
        for lv in levels:
            for n in range(old_hashes // TILE_WIDTH, new_hashes // TILE_WIDTH):
                tiles.append(Tile(lv, n))
            width = new_hashes % TILE_WIDTH
            if width and new_hashes != old_hashes:
                tiles.append(Tile(lv, new_hashes // TILE_WIDTH, width))
        level += 1
    return tiles


def tile_data(tile: Tile, perfect: PerfectHash) -> bytes:
    """The bytes of a hash tile, from perfect-subtree hashes of the tree."""
    if tile.level == ENTRIES:
        raise TilePathError("entry bundles hold entries, not hashes")
    span = TILE_WIDTH**tile.level
    first = tile.index * TILE_WIDTH
    return b"".join(perfect((first + i) * span, span) for i in range(tile.width))


def render(tile: Tile, perfect: PerfectHash, entries: Sequence[bytes]) -> bytes:
    """A tile's bytes, or an entry bundle's from the log's entries."""
    if tile.level == ENTRIES:
        start = tile.index * TILE_WIDTH
        return encode_bundle(entries[start : start + tile.width])
    return tile_data(tile, perfect)


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise ValueError("a log entry is at most 65535 bytes")
        out += struct.pack(">H", len(entry)) + entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("entry bundle ends inside a length prefix")
        (length,) = struct.unpack_from(">H", data, pos)
        pos += 2
        if pos + length > len(data):
            raise ValueError("entry bundle ends inside an entry")
        entries.append(data[pos : pos + length])
        pos += length
    return entries


def split_hashes(data: bytes) -> Iterator[bytes]:
    if len(data) % HASH_SIZE:
        raise ValueError("a hash tile is a whole number of 32-byte hashes")
    for pos in range(0, len(data), HASH_SIZE):
        yield data[pos : pos + HASH_SIZE]


TileReader = Callable[[Tile], bytes]


class TileHashes:
    """``perfect(start, size)`` for a tree of ``tree_size`` leaves, read from its tiles.

    Nothing here is trusted: every hash read ends up in a root or proof that the caller checks
    against a signed checkpoint.
    """

    def __init__(self, tree_size: int, read: TileReader) -> None:
        self.tree_size = tree_size
        self._read = read
        self._cache: dict[Tile, list[bytes]] = {}

    def _tile_for(self, level: int, position: int) -> Tile:
        index = position // TILE_WIDTH
        span = TILE_WIDTH**level
        if (index + 1) * TILE_WIDTH * span <= self.tree_size:
            return Tile(level, index)
        width = (self.tree_size // span) % TILE_WIDTH
        return Tile(level, index, width)

    def hashes(self, tile: Tile) -> list[bytes]:
        found = self._cache.get(tile)
        if found is None:
            found = list(split_hashes(self._read(tile)))
            if len(found) != tile.width:
                raise ProofError(f"{tile.path} holds {len(found)} hashes, not {tile.width}")
            self._cache[tile] = found
        return found

    def __call__(self, start: int, size: int) -> bytes:
        if start + size > self.tree_size:
            raise ProofError(f"subtree {start}+{size} is beyond the tree of {self.tree_size}")
        height = size.bit_length() - 1
        level, below = divmod(height, TILE_HEIGHT)
        position = start // TILE_WIDTH**level
        row = self.hashes(self._tile_for(level, position))
        offset = position % TILE_WIDTH
        layer = row[offset : offset + (1 << below)]
        while len(layer) > 1:
            layer = [node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
        return layer[0]
