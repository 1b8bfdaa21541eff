# One word each: make demo | test | lint | typecheck | bench | check
.PHONY: venv demo test lint typecheck bench check format

venv:
	@scripts/bootstrap.sh

demo: venv
	.venv/bin/leadscore demo

test:
	@scripts/test.sh

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: venv
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

typecheck: venv
	.venv/bin/mypy

bench: venv
	@for b in bench/*_bench.py; do echo "== $$b"; .venv/bin/python $$b || exit 1; done

check: lint typecheck test
