"""The benchmark harness of DESIGN §7: `make bench` / `python -m bench`.

It measures, on a demo bank of a chosen scale (generated once and cached under data/bench/):
- the full load of the bank into a fresh store (wall time, peak memory of the loader process),
  and one more day's delivery into the loaded store;
- one day of the national bank into a store that holds the rest of it;
- every page's data calls on a cold cache for an executive, a branch leader, HR and the data
  administrator (median and p95);
- the naive approach (raw facts read into pandas and grouped on each interaction) for the
  same answers, checked equal to the real path, with the ratio.

It prints one table and writes results.md and results.json. Modules: inbox (demo banks),
loads (loader processes), pages (page calls), naive (the naive path), report (table and files),
run (the whole sequence).
"""

import logging


def _quiet_without_runtime(record: logging.LogRecord) -> bool:
    """Drop streamlit's "No runtime found" notice: bench calls the dashboard's cached reads outside
    a Streamlit runtime on purpose. A filter, set before dashboard.data is imported (the notice
    comes once per decorated function at import), because streamlit resets logger levels."""
    return "No runtime found" not in record.getMessage()


logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(_quiet_without_runtime)
