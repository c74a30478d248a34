from __future__ import annotations

from undersigned.lib import tokens


def test_tokens_carry_at_least_128_bits_and_are_stored_hashed() -> None:
    token, digest = tokens.new_token()
    assert len(token) == 32 and tokens.well_formed(token)
    assert tokens.TOKEN_BYTES * 8 >= 128
    assert digest == tokens.token_hash(token) and token not in digest


def test_it_rejects_malformed_tokens() -> None:
    assert not tokens.well_formed("short")
    assert not tokens.well_formed("x" * 31 + "/")
    assert not tokens.well_formed("x" * 33)
