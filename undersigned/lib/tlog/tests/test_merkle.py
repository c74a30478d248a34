from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest

from undersigned.lib.tlog import merkle

# The RFC 6962 reference tree (Certificate Transparency's test data, kept by
# transparency-dev/merkle in testonly/constants.go): eight leaves, and the root of every prefix.
LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
    + ["606162636465666768696a6b6c6d6e6f"]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]

PROBES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "merkle_probes.json").read_text()
)


def b64(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(v) for v in values or []]


def reference_tree() -> merkle.LeafList:
    return merkle.LeafList([merkle.leaf_hash(leaf) for leaf in LEAVES])


def test_leaf_hashes_match_rfc6962_vectors() -> None:
    assert [merkle.leaf_hash(leaf).hex() for leaf in LEAVES] == LEAF_HASHES


def test_roots_of_every_prefix_match_rfc6962_vectors() -> None:
    tree = reference_tree()
    assert [tree.root(size).hex() for size in range(9)] == ROOTS


@pytest.mark.parametrize("probe", PROBES["inclusion"], ids=lambda p: p["file"])
def test_inclusion_verification_agrees_with_every_reference_probe(probe: dict[str, Any]) -> None:
    ok = merkle.verify_inclusion(
        probe["leafIdx"],
        probe["treeSize"],
        base64.b64decode(probe["leafHash"] or ""),
        b64(probe["proof"]),
        base64.b64decode(probe["root"] or ""),
    )
    assert ok is not probe["wantErr"], probe["desc"]


@pytest.mark.parametrize("probe", PROBES["consistency"], ids=lambda p: p["file"])
def test_consistency_verification_agrees_with_every_reference_probe(
    probe: dict[str, Any],
) -> None:
    ok = merkle.verify_consistency(
        probe["size1"],
        probe["size2"],
        base64.b64decode(probe["root1"] or ""),
        base64.b64decode(probe["root2"] or ""),
        b64(probe["proof"]),
    )
    assert ok is not probe["wantErr"], probe["desc"]


def test_generated_proofs_equal_the_reference_happy_paths() -> None:
    tree = reference_tree()
    happy = [p for kind in ("inclusion", "consistency") for p in PROBES[kind]]
    happy = [p for p in happy if p["desc"] == "happy path" and p.get("treeSize", 1) <= 8]
    checked = 0
    for p in happy:
        if "leafIdx" in p and p["treeSize"] > 0:
            assert merkle.inclusion_proof(p["leafIdx"], p["treeSize"], tree) == b64(p["proof"])
            checked += 1
        elif "size1" in p and p["size1"] > 0:
            assert merkle.consistency_proof(p["size1"], p["size2"], tree) == b64(p["proof"])
            checked += 1
    assert checked >= 8


def test_every_proof_in_trees_up_to_70_leaves_verifies_and_a_flipped_bit_fails() -> None:
    rng = random.Random(17)
    tree = merkle.LeafList([merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(70)])
    for size in range(1, 71):
        root = tree.root(size)
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, tree)
            assert merkle.verify_inclusion(index, size, tree.leaves[index], proof, root)
            if proof:
                bad = _flip(proof, rng)
                assert not merkle.verify_inclusion(index, size, tree.leaves[index], bad, root)
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(old, size, tree)
            assert merkle.verify_consistency(old, size, tree.root(old), root, proof)
            if proof:
                bad = _flip(proof, rng)
                assert not merkle.verify_consistency(old, size, tree.root(old), root, bad)


def _flip(proof: list[bytes], rng: random.Random) -> list[bytes]:
    i, bit = rng.randrange(len(proof)), rng.randrange(256)
    damaged = bytearray(proof[i])
    damaged[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:i], bytes(damaged), *proof[i + 1 :]]


def test_it_refuses_proofs_outside_the_tree() -> None:
    tree = reference_tree()
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(8, 8, tree)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(0, 8, tree)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(5, 4, tree)


def test_a_rewritten_past_breaks_consistency() -> None:
    honest = reference_tree()
    forked = merkle.LeafList(honest.leaves[:3] + [merkle.leaf_hash(b"forged")] + LEAF_HASHES_B)
    proof = merkle.consistency_proof(4, 8, forked)
    assert not merkle.verify_consistency(4, 8, honest.root(4), forked.root(8), proof)


LEAF_HASHES_B = [merkle.leaf_hash(bytes([i])) for i in range(4)]
