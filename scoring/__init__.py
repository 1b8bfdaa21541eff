"""leadscore's scoring core: pure functions over data, no I/O.

An import-boundary test keeps this package free of httpx, openai, bs4, sqlalchemy and file access.
"""
