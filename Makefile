# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_SCALE ?= small
DEMO_SEED ?= 7
DEMO_DIR := data/inbox/demo-$(DEMO_SCALE)-$(DEMO_SEED)
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: install demo demo-data serve test bench clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

$(DEMO_DIR)/demo_manifest.json: $(STAMP)
	$(PY) -m etl demo --scale $(DEMO_SCALE) --seed $(DEMO_SEED) --out $(DEMO_DIR)

demo-data: $(DEMO_DIR)/demo_manifest.json
	$(PY) -m etl init
	$(PY) -m etl load $(DEMO_DIR)

demo: demo-data serve

serve: $(STAMP)
	$(PY) -m streamlit run dashboard/app.py --server.address $(HOST) --server.port $(PORT)

# worksteal: an idle worker takes tests queued on the other, so the slow tests at the end do
# not leave one core idle (one run each: 579 s against 635 and 669 s with the default load).
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist worksteal
	$(VENV)/bin/lint-imports

# The budgets of DESIGN §7 (bench/results.md). BENCH_SCALE=small BENCH_ARGS="--days 7 --day-scale small"
# for a quick run; PostgreSQL figures come alongside when a server answers (see python -m bench --help).
BENCH_SCALE ?= large
BENCH_ARGS ?= --postgres
bench: $(STAMP)
	$(PY) -m bench --scale $(BENCH_SCALE) $(BENCH_ARGS)

clean:
	rm -rf data/cascade.db data/cascade.db-wal data/cascade.db-shm
