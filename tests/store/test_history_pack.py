"""The packed org and roster histories: written by the deliveries that replace the tables,
read back as exactly the frames the tables give, and never used once the table changed in
some other way (then the table is read)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from etl.load import load_paths
from store import history_pack, read
from store.schema import org_unit, staff


def test_a_delivered_history_reads_back_from_its_pack_as_the_table_gives_it(engine: sa.Engine, tiny_bank: Path) -> None:
    load_paths(engine, [tiny_bank])
    with engine.connect() as connection:
        for table, history in ((org_unit, read.org_history), (staff, read.staff_history)):
            packed = history_pack.read(connection, table)
            assert packed is not None and len(packed) > 0, table.name
            pd.testing.assert_frame_equal(history(connection), history(connection, packed=False), check_exact=True)
            pd.testing.assert_frame_equal(packed, history(connection, packed=False), check_exact=True)


def test_a_table_written_another_way_is_read_from_the_table(engine: sa.Engine, tiny_bank: Path) -> None:
    load_paths(engine, [tiny_bank])
    with engine.begin() as connection:
        connection.execute(sa.insert(staff).values(
            staff_id="ZZ9", name="late hire", outlet_code=connection.execute(sa.select(staff.c.outlet_code)).scalar(),
            role="customer_manager", wecom_status=1, contact_enabled=True, managed_customers=0,
            valid_from=date(2026, 9, 1)))
    with engine.connect() as connection:
        assert history_pack.read(connection, staff) is None
        history = read.staff_history(connection)
        assert "ZZ9" in set(history["staff_id"])
        pd.testing.assert_frame_equal(history, read.staff_history(connection, packed=False))
