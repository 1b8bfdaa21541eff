"""The review web UI (``leadscore serve``): FastAPI + Jinja2, server-rendered, no JavaScript or CDN.

Needs the ``web`` extra (fastapi, uvicorn, jinja2, python-multipart, argon2-cffi, itsdangerous).
"""
