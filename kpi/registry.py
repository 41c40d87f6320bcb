"""The components of ``rollup_day`` and the metric registry (DESIGN §4, docs/rollup.md).

Every metric is declared exactly once here. A metric never stores numbers: it says which
rollup components it is made of and how they aggregate, so that the same declaration gives the
right answer for one outlet on one day and for the whole bank over a year.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

Grain = Literal["behaviour", "customer", "conversion"]
TemporalAggregation = Literal["flow", "snapshot"]
Aggregation = Literal["flow", "snapshot", "ratio", "chat_weighted", "distinct"]
Direction = Literal["higher", "lower"]
Unit = Literal["count", "staff_days", "CNY", "percent", "ratio", "minutes", "per_k", "per_staff"]

SPLIT_DIMENSIONS: tuple[str, ...] = ("department", "kind", "segment")
ALL = "all"

# Which dimensions a grain splits; a dimension it does not split holds "all" on its rows.
GRAIN_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "behaviour": (),
    "customer": ("kind", "segment"),
    "conversion": ("department", "kind", "segment"),
}


class Component(BaseModel):
    """One column of ``rollup_day``: where it lives and how it aggregates over days."""

    model_config = ConfigDict(frozen=True)
    name: str
    grain: Grain
    over_time: TemporalAggregation


def _components(grain: Grain, over_time: TemporalAggregation, names: str) -> dict[str, Component]:
    return {n: Component(name=n, grain=grain, over_time=over_time) for n in names.split()}


COMPONENTS: dict[str, Component] = {
    **_components(
        "behaviour",
        "snapshot",
        "staff_cnt contact_enabled_cnt wecom_active_cnt active_7d_cnt managed_customers "
        "chat_total chat_has_msg member_total member_has_msg",
    ),
    **_components(
        "behaviour",
        "flow",
        "reporting_staff_cnt chat_cnt message_cnt negative_feedback_cnt new_apply_cnt "
        "new_contact_cnt reply_percentage_num reply_percentage_den avg_reply_time_num "
        "avg_reply_time_den new_chat_cnt new_member_cnt msg_total tasks_assigned tasks_done "
        "intercepted_msgs",
    ),
    **_components("customer", "flow", "contacts_added contacts_removed contacts_first_chat"),
    **_components("customer", "snapshot", "contacts_live"),
    **_components(
        "conversion",
        "flow",
        "card_cnt account_cnt funded_cnt deposit_amount wealth_cnt wealth_amount",
    ),
}


class Term(BaseModel):
    """A component restricted by fixed dimension filters (e.g. contacts_live of kind=stock)."""

    model_config = ConfigDict(frozen=True)
    component: str
    filters: tuple[tuple[str, str], ...] = ()

    @property
    def column(self) -> str:
        """Stable column name for this term in component-total frames."""
        if not self.filters:
            return self.component
        return self.component + "[" + ",".join(f"{k}={v}" for k, v in self.filters) + "]"


class Metric(BaseModel):
    """A metric: names, unit, which way is good, and how it is computed from components.

    ``flow``/``snapshot`` metrics are the sum of their numerator terms; ``ratio`` and
    ``chat_weighted`` metrics are ``scale × Σnumerator / Σdenominator`` after each term is
    aggregated over days and units; ``distinct`` metrics cannot be built from additive
    components at all and must be supplied from customer-level facts.
    """

    model_config = ConfigDict(frozen=True)
    name: str
    name_zh: str
    name_en: str
    unit: Unit
    direction: Direction = "higher"
    aggregation: Aggregation
    numerator: tuple[Term, ...] = ()
    denominator: tuple[Term, ...] = ()
    scale: float = 1.0
    note: str = ""

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.numerator + self.denominator

    @property
    def additive(self) -> bool:
        """True when values of children add up to the parent (targets can be summed)."""
        return self.aggregation in ("flow", "snapshot")

    @model_validator(mode="after")
    def _check_terms(self) -> Metric:
        for term in self.terms:
            component = COMPONENTS.get(term.component)
            if component is None:
                raise ValueError(f"{self.name}: unknown component {term.component!r}")
            for dimension, _ in term.filters:
                if dimension not in GRAIN_DIMENSIONS[component.grain]:
                    raise ValueError(f"{self.name}: {term.component} is not split by {dimension}")
            if self.aggregation in ("flow", "snapshot") and component.over_time != self.aggregation:
                raise ValueError(f"{self.name}: {term.component} is not a {self.aggregation}")
        needs_ratio = self.aggregation in ("ratio", "chat_weighted")
        if needs_ratio != bool(self.denominator):
            raise ValueError(f"{self.name}: only ratio metrics have a denominator")
        if self.aggregation != "distinct" and not self.numerator:
            raise ValueError(f"{self.name}: a computed metric needs numerator components")
        return self


def _term(spec: str) -> Term:
    """Parse ``component`` or ``component[kind=stock,segment=wealth]``."""
    if "[" not in spec:
        return Term(component=spec)
    component, rest = spec.rstrip("]").split("[", 1)
    pairs = tuple(tuple(p.split("=", 1)) for p in rest.split(","))
    return Term(component=component, filters=pairs)  # type: ignore[arg-type]


def _metric(name: str, zh: str, en: str, unit: Unit, aggregation: Aggregation, *,
            num: str = "", den: str = "", direction: Direction = "higher",
            scale: float = 1.0, note: str = "") -> Metric:
    return Metric(
        name=name, name_zh=zh, name_en=en, unit=unit, direction=direction,
        aggregation=aggregation, scale=scale, note=note,
        numerator=(tuple(_term(s) for s in (num or name).split())
                   if aggregation != "distinct" else ()),
        denominator=tuple(_term(s) for s in den.split()),
    )


_DECLARED: list[Metric] = [
    # Behaviour flows.
    _metric("reporting_staff_cnt", "上报员工人天", "Staff-days reported", "staff_days", "flow",
            note="Summed over days it counts staff-days, not people."),
    _metric("chat_cnt", "聊天数", "Chats", "count", "flow"),
    _metric("message_cnt", "发送消息数", "Messages sent", "count", "flow"),
    _metric("negative_feedback_cnt", "删除/拉黑成员的客户数", "Customers who deleted or blocked",
            "count", "flow", direction="lower"),
    _metric("new_apply_cnt", "发起申请数", "Contact requests sent", "count", "flow"),
    _metric("new_contact_cnt", "新增客户数", "New contacts (WeCom)", "count", "flow"),
    _metric("new_chat_cnt", "新增客户群数", "New customer groups", "count", "flow"),
    _metric("new_member_cnt", "新增群成员数", "New group members", "count", "flow"),
    _metric("msg_total", "群消息总数", "Group messages", "count", "flow"),
    _metric("tasks_assigned", "下发任务数", "Tasks assigned", "count", "flow"),
    _metric("tasks_done", "完成任务数", "Tasks done", "count", "flow"),
    _metric("intercepted_msgs", "拦截消息数", "Intercepted messages", "count", "flow",
            direction="lower"),
    # Behaviour snapshots.
    _metric("staff_cnt", "在册员工数", "Staff on roster", "count", "snapshot"),
    _metric("contact_enabled_cnt", "开通客户联系员工数", "Staff with contact permission",
            "count", "snapshot"),
    _metric("wecom_active_cnt", "企业微信已激活员工数", "Staff with WeCom active", "count",
            "snapshot"),
    _metric("active_7d_cnt", "近7日活跃员工数", "Staff active in last 7 days", "count",
            "snapshot"),
    _metric("managed_customers", "管户客户数", "Managed customers", "count", "snapshot"),
    _metric("chat_total", "客户群总数", "Customer groups", "count", "snapshot"),
    _metric("chat_has_msg", "有发言客户群数", "Groups with messages", "count", "snapshot"),
    _metric("member_total", "群成员总数", "Group members", "count", "snapshot"),
    _metric("member_has_msg", "发言群成员数", "Group members who spoke", "count", "snapshot"),
    # Customer grain.
    _metric("contacts_added", "新增客户关系数", "Contacts added", "count", "flow"),
    _metric("contacts_removed", "流失客户关系数", "Contacts removed", "count", "flow",
            direction="lower"),
    _metric("contacts_first_chat", "首次沟通客户数", "Contacts first chatted", "count", "flow"),
    _metric("contacts_live", "企微客户数", "Live WeCom contacts", "count", "snapshot"),
    # Conversion grain.
    _metric("card_cnt", "办卡申请数", "Card applications", "count", "flow"),
    _metric("account_cnt", "开户数", "Accounts opened", "count", "flow"),
    _metric("funded_cnt", "有效入金户数", "Accounts funded (≥10k CNY)", "count", "flow"),
    _metric("deposit_amount", "入金金额", "Deposit amount", "CNY", "flow"),
    _metric("wealth_cnt", "理财购买笔数", "Wealth purchases", "count", "flow"),
    _metric("wealth_amount", "理财购买金额", "Wealth amount", "CNY", "flow"),
    # Headline ratios: always Σnumerator / Σdenominator.
    _metric("contact_enabled_rate", "客户联系开通率", "Contact-enabled rate", "ratio", "ratio",
            num="contact_enabled_cnt", den="staff_cnt"),
    _metric("active_staff_rate", "员工活跃率", "Active-staff rate", "ratio", "ratio",
            num="active_7d_cnt", den="staff_cnt"),
    _metric("group_activity_rate", "客户群活跃率", "Group activity rate", "ratio", "ratio",
            num="chat_has_msg", den="chat_total"),
    _metric("coverage_rate", "存量客户覆盖率", "Coverage of managed customers", "ratio", "ratio",
            num="contacts_live[kind=stock]", den="managed_customers"),
    _metric("reply_percentage", "聊天回复率", "Reply percentage", "percent", "chat_weighted",
            num="reply_percentage_num", den="reply_percentage_den",
            note="Weighted by chat_cnt; the source value is already in percent."),
    _metric("avg_reply_time", "平均首次回复时长", "Average reply time", "minutes",
            "chat_weighted", num="avg_reply_time_num", den="avg_reply_time_den",
            direction="lower", note="Weighted by chat_cnt."),
    _metric("card_rate", "入群办卡率", "Card rate of group joiners", "ratio", "ratio",
            num="card_cnt", den="new_member_cnt"),
    _metric("opening_rate", "开户率", "Account opening rate", "ratio", "ratio",
            num="account_cnt[kind=incremental]", den="contacts_added[kind=incremental]",
            note="Both sides incremental: accounts of new-to-bank customers per new contact."),
    _metric("funding_rate", "有效入金率", "Funding rate (≥10k CNY)", "ratio", "ratio",
            num="funded_cnt[kind=incremental]", den="contacts_added[kind=incremental]",
            note="Both sides incremental, like opening_rate."),
    _metric("task_completion_rate", "任务完成率", "Task completion rate", "ratio", "ratio",
            num="tasks_done", den="tasks_assigned"),
    _metric("interceptions_per_k", "千条消息拦截数", "Interceptions per 1,000 messages",
            "per_k", "ratio", num="intercepted_msgs", den="message_cnt", scale=1000.0,
            direction="lower"),
    _metric("contacts_per_manager", "人均企微客户数", "Contacts per manager", "per_staff",
            "ratio", num="contacts_live", den="contact_enabled_cnt",
            note="Per staff holding the contact permission: only they can hold contacts, and "
                 "the rollup has no role split to count customer managers exactly."),
    _metric("distinct_customers", "触达客户数(去重)", "Distinct customers reached", "count",
            "distinct", note="Counted from customer-level facts; never a sum over staff."),
]

METRICS: dict[str, Metric] = {m.name: m for m in _DECLARED}
assert len(METRICS) == len(_DECLARED), "a metric is declared twice"


class UnknownMetricError(KeyError):
    """A metric name that is not in the registry."""


def get_metric(name: str) -> Metric:
    """The registered metric called ``name``; a clear error naming the known ones otherwise."""
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownMetricError(f"unknown metric {name!r}; known: {', '.join(METRICS)}") from None


def metrics_frame() -> pd.DataFrame:
    """The registry as a DataFrame (for pages and the bulletin)."""
    return pd.DataFrame(
        [
            {"name": m.name, "name_zh": m.name_zh, "name_en": m.name_en, "unit": m.unit,
             "direction": m.direction, "aggregation": m.aggregation,
             "numerator": " + ".join(t.column for t in m.numerator),
             "denominator": " + ".join(t.column for t in m.denominator),
             "scale": m.scale, "note": m.note}
            for m in METRICS.values()
        ]
    )

