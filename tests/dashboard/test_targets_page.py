"""The targets page under AppTest on a copy of the demo bank: HR imports a file, allocates a
province down to its outlets with a locked outlet and a capacity cap, sees the reconciliation
balance, approves, and two sessions editing the same targets never lose an update."""

from __future__ import annotations

import io
from collections.abc import Iterator

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest_support import app_on
from dashboard import targets_view as view
from kpi.reconcile import vertical_reconciliation
from store import pages
from store.engine import make_engine
from store.targets import audit_trail, read_targets
from store.users import add_user

PAGE = "app_pages/targets.py"
CELL = view.Cell("2026Q4", "online", "account_cnt", "incremental", "long_tail")
PARAMS = {"tperiod": CELL.period, "dept": CELL.department, "kpi": CELL.kpi, "kind": CELL.kind, "segment": CELL.segment}
PROVINCE = "GD"
DAY = pd.Timestamp("2026-10-31").date()


PASSWORD = "correct horse battery"


@pytest.fixture
def store_url(demo_store_copy: str) -> str:
    """A writable demo store with two HR accounts and a retail department head."""
    engine = make_engine(demo_store_copy)
    for login, role, department in (("hr-wang", "hr_ops", None), ("hr-li", "hr_ops", None),
                                    ("retail-head", "department_head", "retail")):
        add_user(engine, login=login, display_name=login, role=role, department=department, password=PASSWORD)
    return demo_store_copy


@pytest.fixture
def targets_app(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app with local accounts: every test signs in through the form."""
    monkeypatch.setenv("AUTH_MODE", "local")
    yield from app_on(store_url, monkeypatch)


def open_page(app: AppTest, *, login: str | None = "hr-wang", **params: str) -> AppTest:
    """Open the page; with a login (local mode), sign in through the form first."""
    # zh-CN, the default: AppTest formats option labels outside the run, in the default language.
    app.query_params["lang"] = params.pop("lang", "zh-CN")
    app.run()
    if login is not None:
        app.text_input(key="sign-in-login").input(login)
        app.text_input(key="sign-in-password").input(PASSWORD)
        app.button(key="sign-in-button").click().run()
    app.switch_page(PAGE)
    for key, value in {**PARAMS, **params}.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


TABS = {"tree": "目标树", "allocate": "分解", "reconcile": "对账", "approve": "审批", "import": "Excel 导入", "audit": "审计记录"}


def open_tab(app: AppTest, name: str) -> AppTest:
    """Open a tab of the page (only the open tab runs; its label is kept in the URL)."""
    app.query_params["tab"] = TABS[name]
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def stored(url: str) -> pd.DataFrame:
    cells = read_targets(make_engine(url), period=CELL.period)
    return cells[CELL.matches(cells)].set_index("unit_code")


def outlets_of(url: str, province: str) -> pd.DataFrame:
    units = pages.units_on(make_engine(url), day=DAY)
    below = set(view.leaf_codes_all(units, code=province))
    return units[units["code"].isin(below)]


def set_edits(app: AppTest, key: str, rows: dict[int, dict]) -> None:
    """Edit cells of the allocation table the way the browser does: through its edit state."""
    app.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


def allocate_to_outlets(app: AppTest, *, edits: dict[int, dict], reason: str | None) -> None:
    """Preview an even allocation of the province to its outlets with `edits`; save it with
    `reason` unless None."""
    open_tab(app, "allocate")
    app.selectbox(key="alloc-depth").set_value("outlet").run()
    key = view.editor_key(code=PROVINCE, cell=CELL, depth="outlet", rule="even", per_staff=None)
    set_edits(app, key, edits)
    app.button(key="alloc-preview").click().run()
    assert not app.exception, [e.message for e in app.exception]
    if reason is not None:
        app.text_input(key="alloc-reason").set_value(reason)
        app.button(key="alloc-save-button").click().run()


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["period", "unit_code", "department", "kpi", "kind", "segment", "value"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("language", "header"), [("zh-CN", "目标"), ("en", "Target")])
def test_the_page_shows_the_tree_of_a_cell(app: AppTest, demo_sqlite_url: str, language: str, header: str) -> None:
    open_page(app, lang=language, login=None)  # demo mode: the HR persona
    tree = app.dataframe[0].value
    expected = stored(demo_sqlite_url)
    assert tree[header].iloc[0] == expected.at["HO", "value"]
    assert set(tree.iloc[1:, 0]) == set(expected.index) - {"HO"}  # the provinces that have the cell


def test_a_bad_file_imports_nothing_and_names_each_row_and_cell(targets_app: AppTest, store_url: str) -> None:
    before = read_targets(make_engine(store_url), period=CELL.period)
    open_page(targets_app)
    bad = xlsx([[CELL.period, "GD", "online", "account_cnt", "incremental", "long_tail", 900],
                [CELL.period, "NOPE", "online", "account_cnt", "incremental", "long_tail", 5],
                [CELL.period, "JS", "online", "account_cnt", "incremental", "long_tail", "lots"]])
    open_tab(targets_app, "import")
    targets_app.get("file_uploader")[0].upload("plan.xlsx", bad).run()
    errors = next(d.value for d in targets_app.dataframe if "reason" in d.value.columns)
    assert list(errors["cell"]) == ["B3", "G4"]
    assert "NOPE" in errors.at[0, "reason"] and "number" in errors.at[1, "reason"]
    assert "plan.xlsx" in targets_app.error[0].value and "2" in targets_app.error[0].value
    assert read_targets(make_engine(store_url), period=CELL.period).equals(before)


def test_hr_imports_allocates_with_a_lock_and_a_cap_sees_balance_and_approves(targets_app: AppTest, store_url: str) -> None:
    # 1. Import: head office raises Guangdong's target; the file is imported as a draft.
    open_page(targets_app, unit=PROVINCE)
    new_value = stored(store_url).at[PROVINCE, "value"] + 101
    open_tab(targets_app, "import")
    targets_app.get("file_uploader")[0].upload(
        "gd.xlsx", xlsx([[CELL.period, PROVINCE, CELL.department, CELL.kpi, CELL.kind, CELL.segment, new_value]])).run()
    targets_app.text_input(key="import-reason").set_value("HO raised GD")
    targets_app.button(key="import-button").click().run()
    assert stored(store_url).at[PROVINCE, "value"] == new_value
    assert "1" in targets_app.success[0].value  # "1 changed"

    # Before: Guangdong's target is not allocated below it.
    units = pages.units_on(make_engine(store_url), day=DAY)
    gd_statuses = vertical_reconciliation(stored(store_url).reset_index(), org=units)
    assert set(gd_statuses.loc[gd_statuses["parent_code"] == PROVINCE, "status"]) == {"not_allocated"}

    # 2. Allocate to every outlet: the first locked at 100, the second capped at 10.
    allocate_to_outlets(targets_app, edits={0: {"lock": True, "locked": 100}, 1: {"cap": 10}}, reason="Q4 split")
    assert not targets_app.error, [e.value for e in targets_app.error]
    saved = stored(store_url)
    outlets = outlets_of(store_url, PROVINCE)
    leaf = outlets[outlets["level"] == "outlet"]["code"].sort_values().tolist()
    assert saved.loc[leaf, "value"].sum() == new_value  # children sum exactly to the parent
    assert saved.at[leaf[0], "value"] == 100 and saved.at[leaf[1], "value"] <= 10
    for branch in outlets.loc[outlets["level"] == "branch", "code"]:
        below = outlets.loc[outlets["parent_code"] == branch, "code"]
        assert saved.at[branch, "value"] == saved.loc[below, "value"].sum()
    assert set(saved.loc[leaf, "status"]) == {"draft"}
    assert audit_trail(make_engine(store_url), target_id=int(saved.at[leaf[2], "id"])).iloc[-1]["reason"] == "Q4 split"

    # 3. Reconciliation: every node of Guangdong now balances for this cell.
    after = vertical_reconciliation(stored(store_url).reset_index(), org=units)
    inside = after[after["parent_code"].isin([PROVINCE, *outlets["code"]])]
    assert set(inside["status"]) == {"balanced"}
    open_tab(targets_app, "approve")
    assert "不一致" not in " ".join(w.value for w in targets_app.warning)

    # 4. Approve everything of the cell at and below Guangdong.
    targets_app.text_input(key="approve-reason").set_value("signed off")
    targets_app.button(key="approve-button").click().run()
    final = stored(store_url)
    assert set(final.loc[[PROVINCE, *outlets["code"]], "status"]) == {"approved"}
    trail = audit_trail(make_engine(store_url), target_id=int(final.at[leaf[0], "id"]))
    assert list(trail["action"]) == ["create", "approve"] and list(trail["by"]) == ["hr-wang", "hr-wang"]

    # 5. The audit tab shows Guangdong's whole history: the delivery, the import, the approval.
    shown = open_tab(targets_app, "audit").dataframe[0].value
    assert list(shown["原因"]) == list(audit_trail(make_engine(store_url), target_id=int(final.at[PROVINCE, "id"]))["reason"])
    assert list(shown["原因"])[-2:] == ["HO raised GD", "signed off"]


def test_an_infeasible_allocation_cannot_be_saved(targets_app: AppTest, store_url: str) -> None:
    open_page(targets_app, unit=PROVINCE)
    total = stored(store_url).at[PROVINCE, "value"]
    allocate_to_outlets(targets_app, edits={0: {"lock": True, "locked": total + 1}}, reason=None)
    assert any("无法满足" in e.value for e in targets_app.error)
    assert targets_app.button(key="alloc-save-button").disabled
    assert len(outlets_of(store_url, PROVINCE)["code"].pipe(lambda c: stored(store_url).index.intersection(c))) == 0


def test_a_save_without_a_reason_is_refused(targets_app: AppTest, store_url: str) -> None:
    open_page(targets_app, unit=PROVINCE)
    allocate_to_outlets(targets_app, edits={}, reason=" ")
    assert any("请填写原因" in e.value for e in targets_app.error)
    assert stored(store_url).index.intersection(outlets_of(store_url, PROVINCE)["code"]).empty


def test_two_sessions_the_later_save_is_refused_naming_who_and_when(targets_app: AppTest, store_url: str) -> None:
    first, second = targets_app, AppTest.from_file(targets_app._script_path, default_timeout=60)
    open_page(first, login="hr-wang", unit="HO")
    open_page(second, login="hr-li", unit="HO")
    for app in (first, second):  # both preview an even split of head office to the provinces
        open_tab(app, "allocate").button(key="alloc-preview").click().run()
    first.text_input(key="alloc-reason").set_value("even split")
    first.button(key="alloc-save-button").click().run()
    assert not first.error
    wang = stored(store_url)
    second.text_input(key="alloc-reason").set_value("my split")
    second.button(key="alloc-save-button").click().run()
    message = " ".join(e.value for e in second.error)
    assert "hr-wang" in message and str(wang["updated_at"].max())[:10] in message
    assert stored(store_url)[["value", "version", "updated_by"]].equals(wang[["value", "version", "updated_by"]])


def test_a_clicked_gap_opens_its_node_and_cell(app: AppTest, demo_sqlite_url: str) -> None:
    open_tab(open_page(app, login=None), "reconcile")
    vertical, _ = view.reconciliation(read_targets(make_engine(demo_sqlite_url), period=CELL.period),
                                      pages.units_on(make_engine(demo_sqlite_url), day=DAY))
    gap = vertical.iloc[0]  # gaps come first: the demo plants one in a province's online new contacts
    assert gap["status"] in ("under", "over")
    app.session_state[f"reco-vertical-{view.selection_key('HO', CELL)}"] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert (app.query_params["unit"], app.query_params["kpi"]) == (gap["parent_code"], gap["kpi"])
    assert open_tab(app, "tree").dataframe[0].value.iloc[0, 0] == gap["parent_code"]  # the tree shows that node


def test_a_department_head_edits_only_the_own_department(targets_app: AppTest) -> None:
    open_page(targets_app, login="retail-head", unit=PROVINCE)  # the cell in view is online's
    assert any("无权修改" in i.value for i in targets_app.info)
    open_tab(targets_app, "allocate")
    assert targets_app.button(key="alloc-preview") is not None
    open_tab(targets_app, "import")
    assert targets_app.get("file_uploader")[0].proto.disabled
    targets_app.query_params["dept"] = "retail"
    targets_app.run()
    assert not any("无权修改" in i.value for i in targets_app.info)
    assert not targets_app.get("file_uploader")[0].proto.disabled


def test_wrong_passwords_lock_the_account_and_the_right_one_then_fails(targets_app: AppTest) -> None:
    targets_app.run()
    for _ in range(5):
        targets_app.text_input(key="sign-in-login").input("hr-li")
        targets_app.text_input(key="sign-in-password").input("not the password")
        targets_app.button(key="sign-in-button").click().run()
    assert "账号或密码错误" in targets_app.error[0].value or "锁定" in targets_app.error[0].value
    targets_app.text_input(key="sign-in-login").input("hr-li")
    targets_app.text_input(key="sign-in-password").input(PASSWORD)
    targets_app.button(key="sign-in-button").click().run()
    assert "锁定" in targets_app.error[0].value  # locked: even the right password is refused
    assert not targets_app.dataframe  # nothing of the bank is shown
