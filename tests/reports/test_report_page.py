"""The supervisors' report page: whole periods only, PDF and CSV downloads, supervisors only."""

from __future__ import annotations

from tests.operators.conftest import log_in


def test_a_supervisor_downloads_the_quarter_as_pdf_and_csv(client, make_operator, quarter_of_activity) -> None:
    supervisor, _ = make_operator(role="supervisor")
    log_in(client, supervisor.email)
    page = client.get("/ops/report?period=2026Q4")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Calls by week" in html and 'alt="Line chart' in html
    assert "/ops/report/2026Q4.pdf" in html and "/ops/report/2026Q4.csv" in html
    pdf = client.get("/ops/report/2026Q4.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert 'filename="voice-report-2026Q4.pdf"' in pdf.headers["Content-Disposition"]
    table = client.get("/ops/report/2026Q4.csv")
    assert table.status_code == 200 and table.mimetype == "text/csv"
    assert table.get_data(as_text=True).startswith("section,title,row,period,value")
    assert table.headers["Cache-Control"] == "no-store"


def test_the_picker_offers_weeks_months_and_quarters(client, make_operator) -> None:
    supervisor, _ = make_operator(role="supervisor")
    log_in(client, supervisor.email)
    html = client.get("/ops/report").get_data(as_text=True)
    for kind in ("week", "month", "quarter"):
        assert f'id="choose-{kind}"' in html
    assert client.get("/ops/report/2026-11.csv").status_code == 200
    assert client.get("/ops/report/2026-W47.csv").status_code == 200


def test_arbitrary_ranges_and_future_periods_are_not_offered(client, make_operator) -> None:
    supervisor, _ = make_operator(role="supervisor")
    log_in(client, supervisor.email)
    assert client.get("/ops/report/2026-10-03..2026-11-01.csv").status_code == 404
    assert client.get("/ops/report?period=2026-10-03").status_code == 404
    assert client.get("/ops/report/2031Q1.pdf").status_code == 404
    assert client.get("/ops/report/2026Q4.xlsx").status_code == 404


def test_an_operator_who_is_not_a_supervisor_gets_no_report(client, make_operator) -> None:
    operator, _ = make_operator()
    log_in(client, operator.email)
    assert client.get("/ops/report").status_code == 403
    assert client.get("/ops/report/2026Q4.csv").status_code == 403


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client) -> None:
    response = client.get("/ops/report/2026Q4.csv")
    assert response.status_code in (302, 401)
