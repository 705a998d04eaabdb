"""The run-history tables: one row per run, one row per KPI value of a run.

Why SQLAlchemy Core tables: the same schema must work on the default SQLite file and on a team's
PostgreSQL (one URL), so only portable column types are used (times as timezone-naive UTC).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(255), nullable=False, unique=True, doc="the run directory's name"),
    Column("profile", String(255), nullable=False, index=True),
    Column("verdict", String(32), nullable=False),
    Column("started_utc", DateTime(timezone=False), nullable=False, index=True),
    Column("finished_utc", DateTime(timezone=False), nullable=True),
    Column("wall_s", Float, nullable=True),
    Column("sim_s", Float, nullable=True),
    Column("seed", BigInteger, nullable=True),
    Column("git_revision", String(128), nullable=True),
    Column("run_dir", Text, nullable=True),
    Column("recorded_utc", DateTime(timezone=False), nullable=False),
    Column("regressions", Integer, nullable=False, default=0),
)

kpi_values = Table(
    "kpi_values",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_pk", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kpi", String(255), nullable=False),
    Column("node", String(255), nullable=False),
    Column("test", String(1024), nullable=False, default=""),
    Column("statistic", String(64), nullable=False),
    Column("value", Float, nullable=True),
    Column("limit_value", Float, nullable=True),
    Column("unit", String(32), nullable=False, default=""),
    Column("direction", String(8), nullable=False, default="max"),
    Column("score", Float, nullable=True, doc="what regressions compare: value, or value/limit for mask KPIs"),
    Column("verdict", String(16), nullable=False),
    Column("baseline", Float, nullable=True, doc="median score of the runs compared against"),
    Column("regression", Boolean, nullable=False, default=False),
)

Index("ix_kpi_values_key", kpi_values.c.kpi, kpi_values.c.node)
