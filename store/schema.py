"""The tables of the store (SQLAlchemy Core).

Conventions that matter for correctness:
- History (SCD type 2): `org_unit` and `staff` keep one row per version; `valid_to` is the
  first day a version no longer holds (NULL = still valid). Facts carry the staff member
  only; the outlet is the one the roster had on the fact's own day (resolved when rollups
  are built), so a transfer never moves history and a retroactive roster fix is one truth.
- `fact_staff_day` keeps the WeCom field names as column names; a missing WeCom value
  (reply_percentage on a day without chats) is NULL, never 0.
- `rollup_day` holds additive components only (see docs/rollup.md).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

CODE = String(32)
DIM = String(16)

org_unit = Table(
    "org_unit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", CODE, nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_en", String(100), nullable=False, server_default=""),
    Column("level", DIM, nullable=False),
    Column("parent_code", CODE),
    Column("wecom_dept_id", BigInteger),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("merged_into", CODE),
    UniqueConstraint("code", "valid_from"),
    Index("ix_org_unit_parent", "parent_code"),
    Index("ix_org_unit_level", "level"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("staff_id", CODE, nullable=False),
    Column("name", String(100), nullable=False),
    Column("outlet_code", CODE, nullable=False),
    Column("role", String(24), nullable=False),
    Column("wecom_status", SmallInteger, nullable=False),
    Column("contact_enabled", Boolean, nullable=False),
    Column("managed_customers", Integer, nullable=False, server_default="0"),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    UniqueConstraint("staff_id", "valid_from"),
    Index("ix_staff_outlet", "outlet_code"),
)

WECOM_BEHAVIOUR_COUNTS = [  # WeCom get_user_behavior_data field names
    "chat_cnt",
    "message_cnt",
    "negative_feedback_cnt",
    "new_apply_cnt",
    "new_contact_cnt",
]
WECOM_GROUP_STATS = [  # WeCom groupchat/statistic field names
    "new_chat_cnt",
    "chat_total",
    "chat_has_msg",
    "new_member_cnt",
    "member_total",
    "member_has_msg",
    "msg_total",
]

fact_staff_day = Table(
    "fact_staff_day",
    metadata,
    Column("day", Date, primary_key=True),
    Column("staff_id", CODE, primary_key=True),
    *[Column(name, Integer) for name in WECOM_BEHAVIOUR_COUNTS],
    Column("reply_percentage", Float),
    Column("avg_reply_time", Float),
    *[Column(name, Integer) for name in WECOM_GROUP_STATS],
    Column("tasks_assigned", Integer),
    Column("tasks_done", Integer),
    Column("intercepted_msgs", Integer),
    Column("load_id", Integer),
    Index("ix_fact_staff_day_staff", "staff_id", "day"),
)

fact_conversion = Table(
    "fact_conversion",
    metadata,
    Column("day", Date, primary_key=True),
    Column("staff_id", CODE, primary_key=True),
    Column("department", DIM, primary_key=True),
    Column("kind", DIM, primary_key=True),
    Column("segment", DIM, primary_key=True),
    Column("product", DIM, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
    Column("load_id", Integer),
)

# One row per add of a customer by a staff member. Clustered by the day of the add (WITHOUT
# ROWID on SQLite, the key's order on PostgreSQL): a daily delta is mostly today's adds plus
# first chats and removals of recent ones, so upserts append or touch recent pages. Keyed by
# the random customer_key first, every upsert of a large bank's ~150K daily relations touched
# pages across the whole table (3x slower per row, and growing with the history).
fact_contact = Table(
    "fact_contact",
    metadata,
    Column("customer_key", String(64), nullable=False),
    Column("staff_id", CODE, nullable=False),
    Column("added_on", Date, nullable=False),
    Column("removed_on", Date),
    Column("first_chat_on", Date),
    Column("segment", DIM, nullable=False),
    Column("kind", DIM, nullable=False),
    Column("load_id", Integer),
    PrimaryKeyConstraint("added_on", "staff_id", "customer_key"),
    # Partial: most relations are never removed and many never chatted, and an index entry
    # per row is a b-tree insert per upserted row for nothing (event reads imply NOT NULL).
    Index("ix_fact_contact_removed", "removed_on", sqlite_where=text("removed_on IS NOT NULL"),
          postgresql_where=text("removed_on IS NOT NULL")),
    Index("ix_fact_contact_first_chat", "first_chat_on", sqlite_where=text("first_chat_on IS NOT NULL"),
          postgresql_where=text("first_chat_on IS NOT NULL")),
    sqlite_with_rowid=False,
)
CONTACT_KEY = ["added_on", "staff_id", "customer_key"]

BEHAVIOUR_COMPONENTS = [
    "staff_cnt",
    "contact_enabled_cnt",
    "wecom_active_cnt",
    "active_7d_cnt",
    "managed_customers",
    "reporting_staff_cnt",
    *WECOM_BEHAVIOUR_COUNTS,
    "reply_percentage_num",
    "reply_percentage_den",
    "avg_reply_time_num",
    "avg_reply_time_den",
    *WECOM_GROUP_STATS,
    "tasks_assigned",
    "tasks_done",
    "intercepted_msgs",
]
CUSTOMER_COMPONENTS = ["contacts_added", "contacts_removed", "contacts_first_chat", "contacts_live"]
CONVERSION_COMPONENTS = [
    "card_cnt",
    "account_cnt",
    "funded_cnt",
    "deposit_amount",
    "wealth_cnt",
    "wealth_amount",
]
_FLOAT_COMPONENTS = {
    "reply_percentage_num",
    "avg_reply_time_num",
    "deposit_amount",
    "wealth_amount",
}
COMPONENTS = BEHAVIOUR_COMPONENTS + CUSTOMER_COMPONENTS + CONVERSION_COMPONENTS
# Taken at a day, never summed over days (docs/rollup.md; kpi/registry.py is the authority,
# tests check the two agree).
SNAPSHOT_COMPONENTS = {
    "staff_cnt", "contact_enabled_cnt", "wecom_active_cnt", "active_7d_cnt", "managed_customers",
    "chat_total", "chat_has_msg", "member_total", "member_has_msg", "contacts_live",
}

TREND_COLUMNS = ("unit_code", "staff_cnt", "contact_enabled_cnt")

rollup_day = Table(
    "rollup_day",
    metadata,
    Column("day", Date, primary_key=True),
    Column("unit_code", CODE, primary_key=True),
    Column("department", DIM, primary_key=True),
    Column("kind", DIM, primary_key=True),
    Column("segment", DIM, primary_key=True),
    Column("level", DIM, nullable=False),
    Column("parent_code", CODE),
    *[
        Column(name, Float if name in _FLOAT_COMPONENTS else BigInteger, nullable=False)
        for name in COMPONENTS
    ],
    # department and kind after the day: a trend over a year (the overview's S-curves, 365 days
    # of the units below) then picks its rows in the index, not every department × kind ×
    # segment row of each day (a full year at head office: 206 → 32 ms). unit_code and the
    # S-curve's two columns (contact_enabled_rate's terms) after them: the curve, the one read
    # of a year of days a page makes, is then read from the index alone, with no lookup of its
    # 11,000 wide rows in the table (a year at head office: 84 → 38 ms).
    Index("ix_rollup_day_parent_day", "parent_code", "day", "department", "kind", *TREND_COLUMNS),
    Index("ix_rollup_day_level_day", "level", "day", "department", "kind", *TREND_COLUMNS),
)

FLOW_COMPONENTS = [name for name in COMPONENTS if name not in SNAPSHOT_COMPONENTS]

# rollup_day's flows summed per calendar month (`month` is its first day), so a period read
# sums a month row instead of ~30 day rows. parent_code and level are part of the key: a unit
# moved mid-month keeps one row per parent, so "children of P" stays exact ("" = no parent).
# last_day is the row's last day in the month (the as-of day of collapsed rows).
rollup_month = Table(
    "rollup_month",
    metadata,
    Column("month", Date, primary_key=True),
    Column("unit_code", CODE, primary_key=True),
    Column("department", DIM, primary_key=True),
    Column("kind", DIM, primary_key=True),
    Column("segment", DIM, primary_key=True),
    Column("level", DIM, primary_key=True),
    Column("parent_code", CODE, primary_key=True),
    Column("last_day", Date, nullable=False),
    *[
        Column(name, Float if name in _FLOAT_COMPONENTS else BigInteger, nullable=False)
        for name in FLOW_COMPONENTS
    ],
    # Each key is followed by the grain's dimensions, so a read of one grain seeks its rows.
    Index("ix_rollup_month_parent_month", "parent_code", "month", "department", "kind"),
    Index("ix_rollup_month_level_month", "level", "month", "department", "kind"),
)

# rollup_month's rows cut into blocks of a month's days (1-7, 8-14, 15-21, 22-28, 29-end;
# `block` is the block's first day): a daily load re-sums the blocks of the days it touched
# from rollup_day, and the month from its ≤ 5 block rows per key, instead of every day row of
# the month (store.month_rollups). Read by nothing else.
def _per_block(name: str, monthly: Table) -> Table:
    """`monthly`'s columns keyed by `block` (the first day of a block of a month's days)
    instead of `month`, stored in key order on SQLite."""
    return Table(name, metadata, Column("block", Date, primary_key=True),
                 *[Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                   for c in monthly.c if c.name != "month"],
                 sqlite_with_rowid=False)


rollup_block = _per_block("rollup_block", rollup_month)

# rollup_month without the segment split, for the period reads that neither filter nor split by
# segment (most pages): per month × unit × parent × department × kind, the flows of the
# month and the snapshot components of `last_day`, the row's last day in the month (summed over
# the segments that have a row that day; a segment whose rows stop earlier has none then). A
# read's snapshot on its as-of day A is the sum over rows with last_day = A: A is the last day
# with any selected row, so no selected row ends after it. The primary key leads with level and
# month and SQLite stores the rows in its order (WITHOUT ROWID): every outlet of the bank is
# ~35,000 contiguous rows, against ~110,000 month rows and ~57,000 as-of-day rows reached
# through non-covering indexes.
rollup_month_unit = Table(
    "rollup_month_unit",
    metadata,
    Column("level", DIM, primary_key=True),
    Column("month", Date, primary_key=True),
    Column("department", DIM, primary_key=True),
    Column("kind", DIM, primary_key=True),
    Column("unit_code", CODE, primary_key=True),
    Column("parent_code", CODE, primary_key=True),
    Column("last_day", Date, nullable=False),
    *[
        Column(name, Float if name in _FLOAT_COMPONENTS else BigInteger, nullable=False)
        for name in COMPONENTS
    ],
    Index("ix_rollup_month_unit_unit_month", "unit_code", "month"),
    Index("ix_rollup_month_unit_parent_month", "parent_code", "month"),
    sqlite_with_rowid=False,
)

# rollup_month_unit pivoted to one row per level × month × unit, integer components only, for
# the league tables (every outlet of the bank): behaviour components as they are, customer and
# conversion components per kind (summed over departments and parents), each snapshot of the
# rows on the last day of its unit and kind (behaviour_day, customer_day_<kind>), so a read on
# its as-of day A takes a snapshot where that day is A (see rollup_month_unit). One row a unit:
# no GROUP BY over kinds and departments (~35,000 rows) when a read neither filters nor splits
# by department or segment. Rebuilt with rollup_month_unit (store.month_rollups).
WIDE_KINDS = ("incremental", "stock")
WIDE_BEHAVIOUR = [c for c in BEHAVIOUR_COMPONENTS if c not in _FLOAT_COMPONENTS]
WIDE_BY_KIND = [c for c in CUSTOMER_COMPONENTS + CONVERSION_COMPONENTS if c not in _FLOAT_COMPONENTS]
rollup_month_wide = Table(
    "rollup_month_wide",
    metadata,
    Column("level", DIM, primary_key=True),
    Column("month", Date, primary_key=True),
    Column("unit_code", CODE, primary_key=True),
    Column("behaviour_day", Date),
    *[Column(f"customer_day_{kind}", Date) for kind in WIDE_KINDS],
    *[Column(name, BigInteger, nullable=False) for name in WIDE_BEHAVIOUR],
    *[Column(f"{name}_{kind}", BigInteger, nullable=False) for name in WIDE_BY_KIND for kind in WIDE_KINDS],
    sqlite_with_rowid=False,
)

target = Table(
    "target",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(10), nullable=False),
    Column("unit_code", CODE, nullable=False),
    Column("department", DIM, nullable=False),
    Column("kpi", String(40), nullable=False),
    Column("kind", DIM, nullable=False),
    Column("segment", DIM, nullable=False),
    Column("value", Numeric(20, 2), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("status", DIM, nullable=False, server_default="draft"),
    Column("locked", Boolean, nullable=False, server_default=false()),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("period", "unit_code", "department", "kpi", "kind", "segment"),
    Index("ix_target_period_unit", "period", "unit_code"),
)

target_audit = Table(
    "target_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_id", Integer, ForeignKey("target.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", String(64), nullable=False),
    Column("action", DIM, nullable=False),
    Column("old_value", Numeric(20, 2)),
    Column("new_value", Numeric(20, 2)),
    Column("old_status", DIM),
    Column("new_status", DIM),
    Column("version", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_target_audit_target", "target_id"),
)

etl_run = Table(
    "etl_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("file", Text, nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("status", DIM, nullable=False),
    Column("rows_in", Integer, nullable=False, server_default="0"),
    Column("rows_loaded", Integer, nullable=False, server_default="0"),
    Column("rows_rejected", Integer, nullable=False, server_default="0"),
    Column("first_day", Date),
    Column("last_day", Date),
    Column("message", Text),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_etl_run_source", "source", "started_at"),
    Index("ix_etl_run_checksum", "checksum"),
)

etl_reject = Table(
    "etl_reject",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("etl_run.id"), nullable=False),
    Column("file", Text, nullable=False),
    Column("line", Integer),
    Column("column", String(64)),
    Column("reason", Text, nullable=False),
    Column("raw", Text),
    Index("ix_etl_reject_run", "run_id"),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("email", String(254)),
    Column("password_hash", Text),
    Column("role", String(24), nullable=False),
    Column("scope_code", CODE, nullable=False),
    Column("department", DIM),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Payout curves of the incentive plan (DESIGN §4 Incentives), one row per version of a role's
# curve: a change or an approval appends a version, so the table is its own audit trail.
payout_curve = Table(
    "payout_curve",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("role", String(24), nullable=False),
    Column("threshold", Numeric(8, 4), nullable=False),
    Column("target", Numeric(8, 4), nullable=False),
    Column("cap", Numeric(8, 4), nullable=False),
    Column("threshold_payout", Numeric(8, 4), nullable=False),
    Column("accelerator", Numeric(8, 4), nullable=False),
    Column("base_amount", Numeric(14, 2), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", DIM, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    UniqueConstraint("role", "version"),
)

# Account changes and sign-in events (DESIGN §6, "every write audited"), appended in the same
# transaction as the change they record and never updated or deleted.
access_audit = Table(
    "access_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("login", String(64), nullable=False),
    Column("detail", Text),
    Index("ix_access_audit_login", "login", "at"),
)

# Staff-level sums per month (the workload and incentives pages read a month of a whole bank's
# staff without scanning its facts): month × department × outlet the fact was placed in × staff.
# department 'all' holds behaviour and every department's sales; a department's own rows hold
# only its sales (behaviour 0). Rebuilt by store.staff_month for the months a load touched.
STAFF_FLOWS = [*WECOM_BEHAVIOUR_COUNTS, "new_chat_cnt", "new_member_cnt", "msg_total",
               "tasks_assigned", "tasks_done", "intercepted_msgs"]
STAFF_DAYS = ["fact_days", "days_reported", "active_days"]
STAFF_WEIGHTS = ["reply_percentage_num", "reply_percentage_den", "avg_reply_time_num", "avg_reply_time_den"]
STAFF_SALES = ["card_cnt", "account_cnt", "funded_cnt", "wealth_cnt", "deposit_amount", "wealth_amount"]

staff_month = Table(
    "staff_month",
    metadata,
    Column("month", Date, primary_key=True),
    Column("department", DIM, primary_key=True),
    Column("outlet_code", CODE, primary_key=True),
    Column("staff_id", CODE, primary_key=True),
    Column("last_day", Date),  # the last day with a staff-day fact (snapshots are taken then)
    *[Column(name, Float if name in _FLOAT_COMPONENTS else BigInteger, nullable=False)
      for name in [*STAFF_DAYS, *STAFF_FLOWS, *STAFF_WEIGHTS, *STAFF_SALES]],
)

# staff_month's rows per block of the month's days (as rollup_block: `block` is its first
# day), from which a daily load sums the month (store.staff_month). Read by nothing else.
staff_block = _per_block("staff_block", staff_month)

# Relations live per staff × kind at the end of chosen days (Sundays, month ends and the last
# day of each rollup rebuild: the ends of the periods the pages offer), from the live counts
# the rollup rebuild carries anyway; other days are counted from fact_contact when asked.
staff_live = Table(
    "staff_live",
    metadata,
    Column("day", Date, primary_key=True),
    Column("staff_id", CODE, primary_key=True),
    Column("kind", DIM, primary_key=True),
    Column("live", Integer, nullable=False),
)

# The staff pages' month reads, packed (store.staff_pack): per month, a few parts ("sums",
# "sales", "roster", "live"), each one Arrow IPC stream of a whole bank's rows. A page at head
# office needs ~35 numbers for each of ~50,000 staff; fetched as SQL rows that is ~2 M Python
# objects (≈ 1 s on SQLite), as one blob per part it is a copy. Rebuilt with staff_month.
# The org and roster histories as the loader reads them, packed (store/history_pack.py): one
# Arrow IPC stream per table, with the row count and last id of the table it was made from.
history_pack = Table(
    "history_pack",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("row_count", Integer, nullable=False),
    Column("last_id", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# Relations live per staff × kind × segment at the end of the newest day a rollup rebuild ended
# a window on, packed as one Arrow IPC stream (store.live_pack): the next daily load starts
# from it instead of counting every relation ever added in fact_contact (a scan that grows with
# the history). One row.
live_pack = Table(
    "live_pack",
    metadata,
    Column("day", Date, primary_key=True),
    Column("row_count", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

staff_pack = Table(
    "staff_pack",
    metadata,
    Column("month", Date, primary_key=True),
    Column("part", DIM, primary_key=True),
    Column("as_of", Date, nullable=False),  # roster and live relations are those of this day
    Column("row_count", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)
