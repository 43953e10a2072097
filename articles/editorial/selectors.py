"""Selectors of the editors' desk: read-only queries the admin index shows."""
from datetime import timedelta

from django.db.models import Avg, Case, CharField, Count, Prefetch, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import AWAITING, Article, Decision, Provider, ScheduledPublication

CHART_DAYS = 30
STATES = (
    ("published", "Published", "#2e7d32"),
    ("rejected", "Not published", "#c62828"),
    ("awaiting", "Awaiting review", "#f9a825"),
)


def awaiting_review():
    """Items awaiting a decision: not public, never decided (the condition of the queue's
    partial indexes)."""
    return Article.objects.filter(AWAITING)


def desk_summary(*, now=None, top=5) -> dict:
    """What the admin index shows: six small queries, whatever the table size."""
    now = timezone.localtime(now or timezone.now())
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    first_day = today - timedelta(days=CHART_DAYS - 1)

    # COUNT(*) grouped in index order: an index-only scan of the queue's partial index.
    by_collection = sorted(
        awaiting_review().values("collection").annotate(n=Count("*")).order_by("collection"),
        key=lambda row: (-row["n"], row["collection"]),
    )
    decisions = Decision.objects.filter(at__gte=min(week, today)).exclude(action=Decision.Action.QUEUE).aggregate(
        today=Count("id", filter=Q(at__gte=today)), week=Count("id", filter=Q(at__gte=week)),
    )
    state = Case(
        When(published=False, decided_at__isnull=True, then=Value("awaiting")),
        When(published=False, then=Value("rejected")),
        default=Value("published"),
        output_field=CharField(),
    )
    per_day = (
        Article.objects.filter(published_at__gte=first_day).order_by()
        .annotate(day=TruncDate("published_at"), state=state).values("day", "state").annotate(n=Count("id"))
    )
    # Aggregated from the (provider, published, quality, published_at) index alone; the
    # names of the few providers shown come from a second, small query.
    providers = list(
        Article.objects.filter(provider__isnull=False)
        .values("provider_id").annotate(n=Count("*"), avg=Avg("quality")).order_by("provider_id")
    )
    top_by_volume = sorted(providers, key=lambda r: (-r["n"], r["provider_id"]))[:top]
    top_by_quality = sorted(
        (r for r in providers if r["avg"] is not None and r["n"] >= 3), key=lambda r: (-r["avg"], -r["n"], r["provider_id"])
    )[:top]
    names = dict(
        (pk, (domain, name)) for pk, domain, name in
        Provider.objects.filter(pk__in={r["provider_id"] for r in top_by_volume + top_by_quality}).values_list("pk", "domain", "name")
    )
    for row in top_by_volume + top_by_quality:
        row["provider__domain"], row["provider__name"] = names.get(row["provider_id"], ("", ""))
    # Two small queries rather than a join the planner may drive from the article table.
    scheduled = list(
        ScheduledPublication.objects.order_by("publish_at").prefetch_related(
            Prefetch("article", queryset=Article.objects.only("id", "title", "name", "path"))
        )[:top]
    )
    return {
        "awaiting_total": sum(row["n"] for row in by_collection),
        "awaiting_by_collection": by_collection,
        "decisions_today": decisions["today"] or 0,
        "decisions_week": decisions["week"] or 0,
        "chart": _chart(per_day, first_day.date()),
        "top_by_volume": top_by_volume,
        "top_by_quality": top_by_quality,
        "scheduled": scheduled,
        "now": timezone.now(),  # a scheduled item at or before it is overdue
        "today": today,
    }


def _chart(rows, first_day, width=620, height=160):
    """Stacked bars, one a day, as ready-to-draw rectangles (inline SVG, no script)."""
    days = [first_day + timedelta(days=i) for i in range(CHART_DAYS)]
    counts = {day: {key: 0 for key, _label, _colour in STATES} for day in days}
    for row in rows:
        day = row["day"]
        if day in counts:
            counts[day][row["state"]] += row["n"]
    peak = max((sum(c.values()) for c in counts.values()), default=0)
    slot = width / CHART_DAYS
    bars = []
    for i, day in enumerate(days):
        y = height
        rects = []
        for key, label, colour in STATES:
            n = counts[day][key]
            if not n:
                continue
            h = height * n / peak
            y -= h
            rects.append({"x": round(i * slot + 1, 1), "y": round(y, 1), "w": round(slot - 2, 1), "h": round(h, 1),
                          "colour": colour, "title": f"{day:%d %b}: {n} {label.lower()}"})
        bars.append({"day": day, "rects": rects, "counts": counts[day], "total": sum(counts[day].values())})
    return {
        "bars": bars, "peak": peak, "width": width, "height": height, "total": sum(b["total"] for b in bars),
        "legend": [{"key": k, "label": l, "colour": c} for k, l, c in STATES],
        "first": days[0], "last": days[-1],
    }
