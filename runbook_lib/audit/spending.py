"""Spending at a glance, opt-in: the last months' cost by service, as a table and a chart.

Cost Explorer charges $0.01 per ``GetCostAndUsage`` request (each page is a request), so the
audit asks only when the person chooses to, once for all the months, and says how many requests
it made. The sandbox answers with sample data, and says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runbook_lib.audit.chart import Series, stacked_bar_chart
from runbook_lib.audit.clients import global_client
from runbook_lib.aws import AwsContext, translating_aws_errors

if TYPE_CHECKING:  # pandas is heavy; only the table view needs it
    import pandas

PRICE_PER_REQUEST_USD = 0.01
METRIC = "UnblendedCost"
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
"""Tableau 10's first colours; the last one, grey-brown, also stands for "other services"."""


@dataclass(frozen=True)
class MonthlyCost:
    """One service's cost in one month."""

    month: str
    service: str
    amount: float
    unit: str = "USD"


@dataclass(frozen=True)
class SpendingFacts:
    """The months asked for, their costs by service, and what reading them cost.

    Attributes:
        requests: ``GetCostAndUsage`` requests made ($0.01 each on AWS).
        sample: True when the answer is the sandbox's sample data.
    """

    months: tuple[str, ...]
    costs: tuple[MonthlyCost, ...]
    requests: int
    sample: bool = False

    @property
    def price_usd(self) -> float:
        """What the requests cost on a real account."""
        return 0.0 if self.sample else self.requests * PRICE_PER_REQUEST_USD


def months_before(today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """Return the first day of ``months`` full months ago and the first day of this month."""
    end = today.replace(day=1)
    start = end
    for _ in range(months):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, end


@translating_aws_errors
def collect_spending(ctx: AwsContext, *, months: int, today: datetime.date | None = None) -> SpendingFacts:
    """Return the last ``months`` full months' cost by service (one request a page, $0.01 each).

    IAM actions: ``ce:GetCostAndUsage``.
    """
    start, end = months_before(today or datetime.date.today(), months)
    ce = global_client(ctx, "ce")
    costs: list[MonthlyCost] = []
    requests, token, sample = 0, None, False
    while True:
        answer = ce.get_cost_and_usage(
            TimePeriod={"Start": start.isoformat(), "End": end.isoformat()}, Granularity="MONTHLY",
            Metrics=[METRIC], GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}], **({"NextPageToken": token} if token else {}),
        )
        requests += 1
        sample = sample or any(entry.get("Attributes", {}).get("description") == "sandbox sample data"
                               for entry in answer.get("DimensionValueAttributes", []))
        for period in answer.get("ResultsByTime", []):
            month = period["TimePeriod"]["Start"][:7]
            for group in period.get("Groups", []):
                metric = group["Metrics"][METRIC]
                costs.append(MonthlyCost(month, group["Keys"][0], float(metric["Amount"]), metric.get("Unit", "USD")))
        token = answer.get("NextPageToken")
        if not token:
            break
    names = []
    current = start
    while current < end:
        names.append(current.isoformat()[:7])
        current = (current.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return SpendingFacts(tuple(names), tuple(costs), requests, sample=sample and ctx.is_sandbox)


def totals_by_service(spending: SpendingFacts) -> dict[str, float]:
    """Return each service's total over the months, largest first."""
    totals: dict[str, float] = {}
    for cost in spending.costs:
        totals[cost.service] = totals.get(cost.service, 0.0) + cost.amount
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def spending_frame(spending: SpendingFacts) -> pandas.DataFrame:
    """Return a table of services by month (US dollars), with a total row."""
    import pandas

    services = list(totals_by_service(spending))
    amounts = {(cost.service, cost.month): cost.amount for cost in spending.costs}
    rows = [{"service": service, **{month: round(amounts.get((service, month), 0.0), 2) for month in spending.months}}
            for service in services]
    rows.append({"service": "Total", **{month: round(sum(amounts.get((service, month), 0.0) for service in services), 2)
                                        for month in spending.months}})
    return pandas.DataFrame(rows, columns=["service", *spending.months])


def spending_chart(spending: SpendingFacts, *, top: int = 5) -> str:
    """Return the months' cost as stacked bars by service (the ``top`` largest, then the rest)."""
    services = list(totals_by_service(spending))
    shown, rest = services[:top], set(services[top:])
    amounts = {(cost.service, cost.month): cost.amount for cost in spending.costs}
    series = [Series(service, PALETTE[index], tuple(amounts.get((service, month), 0.0) for month in spending.months))
              for index, service in enumerate(shown)]
    if rest:
        series.append(Series("Other services", PALETTE[-1], tuple(
            sum(amounts.get((service, month), 0.0) for service in rest) for month in spending.months)))
    title = "Cost by service and month" + (" (sandbox sample data)" if spending.sample else "")
    return stacked_bar_chart(title, list(spending.months), series, unit="USD")


def describe_spending(spending: SpendingFacts) -> str:
    """Return what was read and what reading it cost, in a sentence."""
    total = sum(cost.amount for cost in spending.costs)
    paid = ("nothing: the sandbox's sample data" if spending.sample
            else f"{spending.requests} request(s) of Cost Explorer, {spending.price_usd:.2f} USD")
    return (f"{len(spending.months)} month(s), {total:.2f} USD in all, across {len(totals_by_service(spending))} "
            f"service(s). Reading it cost {paid}.")
