"""Who handles what: teams, the responsibility list and routing zones.

Teams are both township enforcement teams (综合行政执法队/中队) and county departments (综合行政执法局,
自然资源和规划局 …): routing picks one of them, and a county department is reached through a 乡呼县应 call.
A township team may serve several townships (a shared 中队), hence ``team_townships``.

The responsibility list is versioned by effective date: the entry in force for a category on a day is
the one with the latest ``effective_from`` not after that day. Entries already in force are history
(routing decisions cite them) and are never edited; a change is a new entry.
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.extensions import db

TEAM_KINDS = ("township_team", "county_department")
PRIMARY_KINDS = ("township", "department")
ZONE_KINDS = ("area", "road")
DEADLINE_BASES = ("natural", "working")


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (
        CheckConstraint(f"kind IN {TEAM_KINDS!r}", name="kind_known"),
        CheckConstraint(
            "kind = 'county_department' OR township_code IS NOT NULL", name="team_has_township"
        ),
        Index("uq_teams_county_code", "county_code", "code", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    # The township a township team belongs to (its seat); the townships it serves: team_townships.
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    # A short stable code people and CSV files use: "ZHZF" (综合行政执法局), "YHL-ZD" …
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    # "5+4+X": a township may have several teams. One with neither list is the township's general
    # team (综合行政执法队); others handle only these categories or catalogue items (事项编码).
    category_codes: Mapped[list[str] | None] = mapped_column(ARRAY(String(4)))
    item_codes: Mapped[list[str] | None] = mapped_column(ARRAY(String(64)))
    # A stationed agency (派驻机构: 市场监管所 …) answers to this county department as well as to
    # the township: the department's handlers see its queue too.
    parent_department_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def general(self) -> bool:
        return self.category_codes is None and self.item_codes is None


class TeamTownship(db.Model):
    """A township a township team serves. A township may have several teams (a general one and
    others for some categories or items); one team may serve several townships (a shared 中队)."""

    __tablename__ = "team_townships"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    township_code: Mapped[str] = mapped_column(String(9), primary_key=True, index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)


class ResponsibilityEntry(db.Model):
    """One line of a county's 属地管理事项清单: who answers for a category, from a date on."""

    __tablename__ = "responsibility_entries"
    __table_args__ = (
        CheckConstraint(f"primary_kind IN {PRIMARY_KINDS!r}", name="primary_kind_known"),
        CheckConstraint(f"deadline_basis IN {DEADLINE_BASES!r}", name="deadline_basis_known"),
        CheckConstraint(
            "primary_kind = 'township' OR department_id IS NOT NULL", name="department_named"
        ),
        Index(
            "uq_responsibility_entries_version",
            "county_code",
            "category_code",
            "effective_from",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    # township: the township itself answers (属地); department: a county department does, unless the
    # power is delegated (委托/延伸) to townships, in which case the township team acts for it.
    primary_kind: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    delegated: Mapped[bool] = mapped_column(Boolean, server_default="false")
    cooperating_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    response_hours: Mapped[float | None] = mapped_column(Float)
    resolution_hours: Mapped[float | None] = mapped_column(Float)
    deadline_basis: Mapped[str] = mapped_column(String(16), server_default="natural")
    legal_basis: Mapped[str | None] = mapped_column(Text)
    # 即知即改: a grid worker may clear it on the spot and report it fixed (自处置).
    fixable_on_site: Mapped[bool] = mapped_column(Boolean, server_default="false")
    effective_from: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class RoutingZone(db.Model):
    """A polygon (or a buffered road, 路长制) whose incidents go to one team, before the list."""

    __tablename__ = "routing_zones"
    __table_args__ = (CheckConstraint(f"kind IN {ZONE_KINDS!r}", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False)
    # The road centre line a road zone was buffered from, kept so the zone can be redrawn.
    line = mapped_column(Geometry("MULTILINESTRING", srid=4326, spatial_index=False))
    buffer_m: Mapped[float | None] = mapped_column(Float)
    # NULL: every category; else only these category codes.
    category_codes: Mapped[list[str] | None] = mapped_column(ARRAY(String(4)))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    priority: Mapped[int] = mapped_column(Integer, server_default="100")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


Index("ix_routing_zones_geom", RoutingZone.geom, postgresql_using="gist")


# --- the catalogue of powers and duties (权责事项) and its delegation to townships -------------

# 职权类型: 行政处罚, 行政检查, 行政强制, 行政许可, 公共服务, 属地责任, 其他
ITEM_KINDS = (
    "penalty",
    "inspection",
    "coercion",
    "licensing",
    "public_service",
    "territorial",
    "other",
)
# 承接方式: 委托 (entrusted), 延伸 (extended), 赋权 (granted by law); withdrawn (收回) ends a
# delegation from its effective date on.
DELEGATION_FORMS = ("entrusted", "extended", "granted", "withdrawn")


class PowerItem(db.Model):
    """One item of a county's 权责清单: a power or duty, who holds it, the incidents it covers.

    A category may be covered by several items (占道经营 by a penalty power and an inspection
    duty); which townships hold an item is in ``item_delegations``, versioned by date.
    """

    __tablename__ = "power_items"
    __table_args__ = (
        CheckConstraint(f"kind IN {ITEM_KINDS!r}", name="kind_known"),
        Index("uq_power_items_county_code", "county_code", "code", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    code: Mapped[str] = mapped_column(String(64))  # 事项编码, as the county publishes it
    name: Mapped[str] = mapped_column(String(512))  # 事项名称
    legal_basis: Mapped[str | None] = mapped_column(Text)  # 实施依据
    domain: Mapped[str | None] = mapped_column(String(64))  # 领域: 市容环卫, 规划建设 …
    kind: Mapped[str] = mapped_column(String(24))
    # The county department that holds the power (None for a township's own duty, 属地责任).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    category_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(4)), server_default=text("'{}'::varchar[]")
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ItemDelegation(db.Model):
    """From a date on, an item is held by one township (or, township_code NULL, by all of them)
    in a form (委托/延伸/赋权), or withdrawn. A township's own row beats the all-townships row;
    of each, the latest ``effective_from`` not after the day is in force. Rows are history:
    routing decisions cite them, so a change is a new row."""

    __tablename__ = "item_delegations"
    __table_args__ = (
        CheckConstraint(f"form IN {DELEGATION_FORMS!r}", name="form_known"),
        Index(
            "uq_item_delegations_township",
            "item_id",
            "township_code",
            "effective_from",
            unique=True,
            postgresql_where=text("township_code IS NOT NULL"),
        ),
        Index(
            "uq_item_delegations_all",
            "item_id",
            "effective_from",
            unique=True,
            postgresql_where=text("township_code IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("power_items.id", ondelete="CASCADE"))
    township_code: Mapped[str | None] = mapped_column(String(9))  # NULL: all townships
    form: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[date] = mapped_column(Date)
    batch: Mapped[str | None] = mapped_column(String(128))  # 批次: "第二批赋权事项"
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
