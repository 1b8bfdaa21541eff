"""Building blocks of ``examples/generate_sample.py``: synthetic CRM data and demo company websites.

Everything here is deterministic for a given ``random.Random``: no clock, no hashing of strings into
orders, no set iteration.
"""
