"""Bare Django, the issue's yardstick: a page view and a single-insert sign, nothing more.

Issue 6 set its targets beside what bare Django managed on this machine (about 4,500 page
views/s and 2,400 single-insert signs/s under granian). The machine is shared and its speed
swings, so bench/run.py --bare serves this project beside undersigned and measures both in
the same round: each target can then be read at today's speed of the machine.
"""
