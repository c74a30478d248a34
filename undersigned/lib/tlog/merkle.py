"""RFC 9162 (and RFC 6962) Merkle tree hashing, inclusion and consistency proofs.

Every algorithm is written against one primitive, ``perfect(start, size)``: the hash of the
aligned, complete subtree of ``size`` leaves (a power of two) that starts at ``start``. A list
of leaf hashes provides it by hashing (``LeafList``), a set of tiles by reading them (see
``tiles.TileHashes``), so the same proof code serves the log, a witness and a verifier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

PerfectHash = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof was asked for sizes or indexes that the tree does not have."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2), RFC 9162 section 2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _all_hashes(values: Sequence[bytes]) -> bool:
    return all(len(v) == HASH_SIZE for v in values)


def subtree_hash(start: int, end: int, perfect: PerfectHash) -> bytes:
    """MTH(D[start:end]) for a range that the RFC recursion produces (start is aligned)."""
    if end <= start:
        if end == start == 0:
            return EMPTY_ROOT
        raise ProofError(f"empty range {start}..{end}")
    size = end - start
    if _is_power_of_two(size):
        return perfect(start, size)
    k = _split(size)
    return node_hash(perfect(start, k), subtree_hash(start + k, end, perfect))


def root_hash(size: int, perfect: PerfectHash) -> bytes:
    return subtree_hash(0, size, perfect)


def inclusion_proof(index: int, size: int, perfect: PerfectHash) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, leaf to root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            proof.append(subtree_hash(lo + k, hi, perfect))
            hi = lo + k
        else:
            proof.append(perfect(lo, k))
            lo += k
    proof.reverse()
    return proof


def consistency_proof(old_size: int, new_size: int, perfect: PerfectHash) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 section 2.1.4.1, bottom first."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to {new_size}")
    proof: list[bytes] = []
    lo, hi, whole_old_tree = 0, new_size, True
    while old_size != hi:
        k = _split(hi - lo)
        if old_size <= lo + k:
            proof.append(subtree_hash(lo + k, hi, perfect))
            hi = lo + k
        else:
            proof.append(perfect(lo, k))
            lo += k
            whole_old_tree = False
    if not whole_old_tree:
        proof.append(subtree_hash(lo, hi, perfect))
    proof.reverse()
    return proof


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size or not _all_hashes([leaf, *proof]):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2; a tree is trivially consistent with itself (empty proof).

    A consistency check from the empty tree proves nothing, so it is refused (as in
    transparency-dev/merkle) rather than silently accepted.
    """
    if old_size <= 0 or new_size < old_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if not path or not _all_hashes(path):
        return False
    if _is_power_of_two(old_size):
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class LeafList:
    """Perfect-subtree hashes over leaf hashes held in memory, memoised by (start, size)."""

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        self.leaves: list[bytes] = list(leaves)
        self._memo: dict[tuple[int, int], bytes] = {}

    def append(self, leaf: bytes) -> None:
        self.leaves.append(leaf)

    def __len__(self) -> int:
        return len(self.leaves)

    def __call__(self, start: int, size: int) -> bytes:
        if size == 1:
            return self.leaves[start]
        if start + size > len(self.leaves):
            raise ProofError(f"subtree {start}+{size} is beyond {len(self.leaves)} leaves")
        key = (start, size)
        found = self._memo.get(key)
        if found is None:
            half = size // 2
            found = node_hash(self(start, half), self(start + half, half))
            self._memo[key] = found
        return found

    def root(self, size: int | None = None) -> bytes:
        return root_hash(len(self.leaves) if size is None else size, self)
