from __future__ import annotations

from undersigned.lib import worldmap


def test_the_projection_puts_the_map_in_its_box() -> None:
    assert worldmap.project(0, 0) == (worldmap.WIDTH / 2, worldmap.HEIGHT / 2)
    x, _ = worldmap.project(180, 0)  # the equator spans the width
    assert abs(x - worldmap.WIDTH) < 1
    _, y = worldmap.project(0, 90)  # the poles touch the top and bottom
    assert abs(y) < 1
    x, y = worldmap.project(-180, -90)  # a flat pole, narrower than the equator
    assert 0 < x < worldmap.WIDTH / 2 and abs(y - worldmap.HEIGHT) < 1


def test_countries_come_by_their_iso_code() -> None:
    paths = worldmap.country_paths()
    assert {"UA", "PL", "DE", "FR", "NO", "RU", "US", "BR"} <= set(paths)
    assert all(d.startswith("M") and d.endswith("Z") for d in paths.values())


def test_the_map_is_small_and_keeps_the_notice() -> None:
    shades = {"UA": worldmap.Shade("#1d3557", "Ukraine: 300 & <more>")}
    svg = worldmap.render(worldmap.country_paths(), shades, label='Map "of" signatures')
    assert len(svg) < 120_000
    assert "Natural Earth" in svg and "public domain" in svg
    assert "<title>Ukraine: 300 &amp; &lt;more&gt;</title>" in svg
    assert 'aria-label="Map &quot;of&quot; signatures"' in svg
    assert svg.count('fill="#1d3557"') == 1
