"""The sections of the targets page: tree, allocation, reconciliation, approval, import, audit.

Each section reads through dashboard.data (scoped, cached) and writes through store with the
version the editor saw, then forgets the cached targets so nobody sees a stale value."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, state, widgets
from dashboard.charts import chart_text
from dashboard import targets_view as view
from dashboard.state import t
from kpi.target_sheet import check_target_sheet
from kpi.targets import parse_period, previous_period
from store.targets import StaleEdit, TargetError, approve, import_targets, save_cells

PREVIEW = "allocation_preview"


def _number(column: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(t(f"targets.col.{column}"), format="localized")


VALUE_LABELS = {"kind": "targets.kind.{}", "segment": "targets.segment.{}", "department": "department.{}"}


def _label(template: str, value: object) -> object:
    return t(template.format(value)) if isinstance(value, str) and value not in ("", "unowned") else value


def _translated(frame: pd.DataFrame, columns: list[str], *, statuses: tuple[str, ...] = ("status",)) -> pd.DataFrame:
    """The columns a person reads, with headers and coded values in the UI language."""
    out = frame[columns].copy()
    templates = {**VALUE_LABELS, "owner": "department.{}", **{s: "targets.status.{}" for s in statuses}}
    for column, template in templates.items():
        if column in out:
            out[column] = out[column].map(lambda v, template=template: _label(template, v))
    if "kpi" in out:
        out["kpi"] = out["kpi"].map(state.metric_name)
    return out.rename(columns={c: t(f"targets.col.{c}") for c in columns})


def _write(action, success_key: str, **values: object) -> None:  # noqa: ANN001 - a store write
    """Run a store write; on success remember a message for the next run, on a refusal show why."""
    if not str(values.get("reason") or "").strip():
        st.error(t("targets.reason_required"), icon=":material/edit_note:")
        return
    try:
        result = action(data.engine(), by=state.who(), **values)
    except StaleEdit as stale:  # someone saved first: name them, keep their change, save nothing
        st.error(t("targets.stale", by=stale.by, at=f"{stale.at:%Y-%m-%d %H:%M:%S}", target=stale.target_id),
                 icon=":material/block:")
        data.forget_targets()  # the next run shows their version; the old preview is void
        st.session_state.pop(PREVIEW, None)
        return
    except TargetError as refused:
        st.error(t("targets.refused", reason=str(refused)), icon=":material/block:")
        return
    data.forget_targets()
    st.session_state.pop(PREVIEW, None)
    counts = result if isinstance(result, dict) else {"updated": len(result)}
    widgets.flash(t(success_key, **{"inserted": 0, "updated": 0, "unchanged": 0, **counts}))
    st.rerun()


# --- the tree -------------------------------------------------------------------------------

def tree_display(nodes: pd.DataFrame, *, name_column: str) -> pd.DataFrame:
    shown = nodes.assign(name=nodes[name_column], level=nodes["level"].map(lambda lv: t(f"level.{lv}")))
    return _translated(shown, ["code", "name", "level", "target", "children_sum", "status", "version", "lock"])


def drill_on_pick(event: object, nodes: pd.DataFrame, *, here: str) -> None:
    rows = event.selection.rows if event is not None else []
    if rows and nodes.at[rows[0], "code"] != here:
        state.drill_to(nodes.at[rows[0], "code"])
        st.rerun()


def tree_chart(nodes: pd.DataFrame, *, name_column: str) -> go.Figure:
    children = nodes[~nodes["is_node"]]
    labels = children[name_column].astype(str)
    figure = go.Figure([go.Bar(name=t("targets.col.target"), x=labels, y=children["target"]),
                        go.Bar(name=t("targets.col.children_sum"), x=labels, y=children["children_sum"])])
    return figure.update_layout(barmode="group", height=320, margin={"t": 30, "b": 10},
                                title=t("targets.tree_chart"), legend={"orientation": "h"})


# --- allocation ----------------------------------------------------------------------------

def _weights(rule: str, *, scope, code: str, depth: str | None, cell: view.Cell, period) -> pd.Series | None:  # noqa: ANN001
    if rule == "even":
        return None
    if rule in view.RULE_METRIC:
        metric = view.RULE_METRIC[rule]
        found = (data.child_metrics(scope, code, period.start, period.end, (metric,)) if depth is None
                 else data.level_metrics(scope, depth, code, period.start, period.end, (metric,)))
        return found.set_index("unit_code")[metric] if not found.empty else pd.Series(dtype=float)
    first, last = parse_period(previous_period(cell.period))
    return data.cell_actuals(scope, code, depth, first, last, cell.shape)


def _staff_counts(scope, code: str, depth: str | None, period) -> pd.Series:  # noqa: ANN001
    found = (data.child_metrics(scope, code, period.start, period.end, ("staff_cnt",)) if depth is None
             else data.level_metrics(scope, depth, code, period.start, period.end, ("staff_cnt",)))
    return found.set_index("unit_code")["staff_cnt"] if not found.empty else pd.Series(dtype=float)


def allocation_section(*, cell: view.Cell, code: str, units: pd.DataFrame, targets: pd.DataFrame, period,  # noqa: ANN001
                       name_column: str, editable: bool) -> None:
    mine = targets[view.Cell.matches(cell, targets) & (targets["unit_code"] == code)]
    if mine.empty:
        st.info(t("targets.alloc.no_target"), icon=":material/info:")
        return
    parent_value = float(mine["value"].iloc[0])
    level = units.set_index("code").at[code, "level"]
    depths = view.depths_below(level)
    if not depths:
        st.info(t("targets.alloc.leaf"), icon=":material/info:")
        return
    scope = state.scope()
    left, middle, right = st.columns(3)
    chosen = left.selectbox(t("targets.alloc.depth"), depths, key="alloc-depth", format_func=lambda d: t(f"targets.alloc.to_{d}"))
    depth = None if chosen == view.CHILDREN else chosen
    rule = middle.selectbox(t("targets.alloc.rule"), view.RULES, key="alloc-rule", format_func=lambda r: t(f"targets.rule.{r}"))
    per_staff = right.number_input(t("targets.alloc.cap_per_staff"), min_value=0.0, value=None, step=10.0,
                                   key="alloc-cap", help=t("targets.alloc.cap_help"))
    leaves = view.leaf_codes(units, code=code, level=depth)
    weights = _weights(rule, scope=scope, code=code, depth=depth, cell=cell, period=period)
    frame = view.leaf_frame(units, targets, cell=cell, leaves=leaves, weights=weights, name_column=name_column)
    if per_staff:
        frame["cap"] = frame["child"].map(_staff_counts(scope, code, depth, period)).fillna(0) * per_staff
    if weights is not None and not (frame["weight"] > 0).any():
        st.warning(t("targets.alloc.no_weights", rule=t(f"targets.rule.{rule}")), icon=":material/warning:")
    st.caption(t("targets.alloc.caption", value=f"{parent_value:,.2f}".removesuffix(".00"), count=len(frame)))
    edited = st.data_editor(
        frame, hide_index=True, width="stretch", disabled=["child", "name", "weight", "current"],
        key=view.editor_key(code=code, cell=cell, depth=depth, rule=rule, per_staff=per_staff),
        column_config={"child": t("targets.col.code"), "name": t("targets.col.name"), "weight": _number("weight"),
                       "current": _number("current"), "lock": st.column_config.CheckboxColumn(t("targets.col.lock")),
                       "locked": _number("locked"), "cap": _number("cap")})
    if st.button(t("targets.alloc.preview"), icon=":material/preview:", type="primary", key="alloc-preview"):
        result, rows = view.preview(parent_value, edited, cell=cell, units=units, code=code, targets=targets,
                                    name_column=name_column)
        st.session_state[PREVIEW] = {"cell": cell, "code": code, "ok": result.ok, "message": result.message,
                                     "unallocated": result.unallocated, "rows": rows}
    _show_preview(cell=cell, code=code, editable=editable)


def _show_preview(*, cell: view.Cell, code: str, editable: bool) -> None:
    shown = st.session_state.get(PREVIEW)
    if not shown or shown["cell"] != cell or shown["code"] != code:
        return
    rows = shown["rows"]
    if shown["ok"]:
        st.success(t("targets.alloc.ok", count=len(rows)), icon=":material/check_circle:")
    else:
        st.error(t("targets.alloc.infeasible", message=shown["message"], unallocated=f"{shown['unallocated']:,.2f}"),
                 icon=":material/error:")
    st.dataframe(_translated(rows.assign(level=rows["level"].map(lambda lv: t(f"level.{lv}"))),
                             ["unit_code", "name", "level", "current", "new", "delta", "capped"]),
                 hide_index=True, width="stretch")
    st.plotly_chart(_preview_chart(rows[rows["level"] == rows["level"].iloc[-1]]), key="alloc-preview-chart")
    with st.form("alloc-save"):
        reason = st.text_input(t("targets.reason"), key="alloc-reason")
        if st.form_submit_button(t("targets.alloc.save"), disabled=not (editable and shown["ok"]), icon=":material/save:",
                                 key="alloc-save-button"):
            _write(save_cells, "targets.alloc.saved", cells=view.cells_to_save(rows, cell=cell), reason=reason)


def _preview_chart(leaves: pd.DataFrame) -> go.Figure:
    """Current against new target per unit, by code (names are in the hover: 70 outlets'
    names do not fit under a chart)."""
    hover = chart_text(leaves["name"])
    figure = go.Figure([go.Bar(name=t("targets.col.current"), x=leaves["unit_code"], y=leaves["current"], hovertext=hover),
                        go.Bar(name=t("targets.col.new"), x=leaves["unit_code"], y=leaves["new"], hovertext=hover)])
    return figure.update_layout(barmode="group", height=300, margin={"t": 10, "b": 10}, legend={"orientation": "h"},
                                xaxis={"type": "category"})


# --- reconciliation ------------------------------------------------------------------------

def reconciliation_section(targets: pd.DataFrame, units: pd.DataFrame, *, name_column: str, here: str) -> None:
    """Vertical and horizontal reconciliation; a click on a row opens its node and cell. The
    tables are keyed by the node and cell in view, so after the jump they start unselected."""
    vertical, horizontal = view.reconciliation(targets, units)
    if vertical.empty:
        st.info(t("targets.reco.none"), icon=":material/info:")
        return
    counts = vertical["status"].value_counts()
    for column, status in zip(st.columns(4), ("balanced", "under", "over", "not_allocated"), strict=True):
        column.metric(t(f"targets.status.{status}"), int(counts.get(status, 0)))
    st.subheader(t("targets.reco.vertical"))
    gaps_only = st.toggle(t("targets.reco.gaps_only"), value=True, key="reco-gaps")
    shown = vertical[vertical["status"] != "balanced"] if gaps_only else vertical
    names = units.set_index("code")[name_column]
    vertical_columns = ["parent_code", "name", "kpi", "department", "kind", "segment", "parent_value", "children_sum", "gap", "status"]
    picked = st.dataframe(_translated(shown.assign(name=shown["parent_code"].map(names)), vertical_columns),
                          hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"reco-vertical-{here}")
    _go_to_cell(picked, shown.reset_index(drop=True), unit_column="parent_code")
    st.subheader(t("targets.reco.horizontal"))
    if horizontal.empty:
        st.success(t("targets.reco.no_conflicts"), icon=":material/check_circle:")
        return
    horizontal = horizontal.assign(issue=horizontal["issue"].map(lambda i: t(f"targets.issue.{i}")))
    picked = st.dataframe(_translated(horizontal, ["unit_code", "kpi", "kind", "segment", "department", "owner", "value", "issue"]),
                          hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"reco-horizontal-{here}")
    _go_to_cell(picked, horizontal, unit_column="unit_code")


def _go_to_cell(event: object, rows: pd.DataFrame, *, unit_column: str) -> None:
    """A clicked gap or overlap opens its node and cell: the tree and allocation show it."""
    picked = event.selection.rows if event is not None else []
    if not picked:
        return
    row = rows.iloc[picked[0]]
    st.query_params.update({"unit": row[unit_column], "kpi": row["kpi"], "kind": row["kind"], "segment": row["segment"],
                            "dept": row["department"]})
    st.session_state.setdefault("shared_params", {})["dept"] = row["department"]
    st.rerun()


# --- approval, import, audit ------------------------------------------------------------------

def approval_section(targets: pd.DataFrame, units: pd.DataFrame, *, cell: view.Cell, code: str, name_column: str,
                     editable: bool) -> None:
    drafts = view.drafts_below(targets, units, cell=cell, code=code)
    if drafts.empty:
        st.success(t("targets.approve.none"), icon=":material/verified:")
        return
    unbalanced = view.unbalanced_below(targets, units, cell=cell, code=code)
    if unbalanced:
        st.warning(t("targets.approve.unbalanced", count=unbalanced), icon=":material/warning:")
    shown = drafts.assign(name=drafts["unit_code"].map(units.set_index("code")[name_column]))
    picked = st.dataframe(_translated(shown, ["unit_code", "name", "value", "version", "updated_by", "updated_at"]),
                          hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row", key=f"drafts-{cell}-{code}")
    chosen = drafts.iloc[picked.selection.rows] if picked.selection.rows else drafts
    with st.form("approve"):
        reason = st.text_input(t("targets.reason"), key="approve-reason")
        if st.form_submit_button(t("targets.approve.button", count=len(chosen)), disabled=not editable, icon=":material/task_alt:",
                                 key="approve-button"):
            versions = {int(i): int(v) for i, v in zip(chosen["id"], chosen["version"], strict=True)}
            _write(approve, "targets.approve.done", versions=versions, reason=reason)


def import_section(*, scope, period, editable: bool) -> None:  # noqa: ANN001
    st.caption(t("targets.import.help"))
    upload = st.file_uploader(t("targets.import.file"), type=["xlsx", "csv"], key="target-upload", disabled=not editable)
    if upload is None:
        return
    try:
        sheet = view.read_sheet(upload.name, upload.getvalue())
    except ValueError as unreadable:
        st.error(t("targets.import.unreadable", file=upload.name, reason=str(unreadable)), icon=":material/error:")
        return
    units = data.subtree_units(scope, scope.unit_code, period.end)
    allowed = [d for d in state.DEPARTMENTS if state.can_edit_targets(d)]
    found = check_target_sheet(sheet, known_units=set(units["code"]), departments=allowed)
    if not found.errors.empty:
        st.error(t("targets.import.errors", file=upload.name, count=len(found.errors)), icon=":material/error:")
        widgets.table_with_export(found.errors, name="target-import-errors", key="import-errors")
        return
    current = pd.concat([data.targets(scope, p, scope.unit_code, period.end) for p in found.cells["period"].unique()])
    counts = view.import_counts(found.cells, current)
    st.info(t("targets.import.preview", file=upload.name, rows=len(found.cells), blank=found.blank_rows, **counts),
            icon=":material/upload_file:")
    st.dataframe(found.cells, hide_index=True, width="stretch")
    with st.form("import"):
        reason = st.text_input(t("targets.reason"), key="import-reason")
        if st.form_submit_button(t("targets.import.button"), disabled=not editable, icon=":material/upload:",
                                 key="import-button"):
            _write(import_targets, "targets.import.done", cells=found.cells, reason=reason)


def audit_section(nodes: pd.DataFrame, *, cell: view.Cell, name_column: str, day) -> None:  # noqa: ANN001
    with_target = nodes.dropna(subset=["id"])
    if with_target.empty:
        st.info(t("targets.audit.none"), icon=":material/info:")
        return
    labels = dict(zip(with_target["id"].astype(int), with_target[name_column].astype(str) + " (" + with_target["code"] + ")", strict=True))
    chosen = st.selectbox(t("targets.audit.pick"), list(labels), format_func=labels.get, key=f"audit-{cell}")
    trail = data.audit(state.scope(), int(chosen), day)
    st.dataframe(_translated(trail, ["at", "by", "action", "old_value", "new_value", "old_status", "new_status", "version", "reason"],
                             statuses=("old_status", "new_status")), hide_index=True, width="stretch")
