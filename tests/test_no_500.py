"""No 500 from outside: whatever the query string, the answer is 200, 304, 400 or 404.

The findings first (each was a 500), then hypothesis over every public URL with every
documented query parameter and random ones (anonymous), and over every changelist of the
desk with its filters' parameters (staff). API answers stay JSON, errors included.
"""
import json
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from articles.public.filters import ArticleFilter
from tests import public_data as data

from .desk import ensure_groups, user_in

pytestmark = [
    pytest.mark.django_db,
    # The admin's date filters take naive dates from the query string, by design.
    pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime:RuntimeWarning"),
]

HUGE = "99999999999999999999999"


@pytest.fixture
def site():
    """A little of everything the public pages show: topics, news, a video, a draft."""
    root = data.topic("power-apps", "Power Apps")
    child = data.topic("canvas-apps", "Canvas apps", parent=root)
    items = data.many(3, topics=[child]) + [data.article(5, collection="learning", type="video", topics=[root])]
    data.article(6, published=False, topics=[root])
    return {"items": items, "topics": [root, child]}


# ---- the findings ----------------------------------------------------------------------
def test_dates_at_the_ends_of_the_calendar(client, site):
    for path in ["/", "/api/news/index.json", "/search/", "/topics/power-apps/"]:
        for query in [
            "since=0001-01-01T00:00:00%2B01:00", "until=9999-12-31", "until=9999-12-31T23:59:59-05:00",
            "since=9999-12-31T23:59:59-05:00", "until=0001-01-01T00:00:00%2B01:00", "since=0001-01-01&until=9999-12-31",
        ]:
            response = client.get(f"{path}?{query}")
            assert response.status_code == 200, (path, query, response.content[:300])


def test_date_bounds_at_the_ends_still_filter(client, site):
    def paths(query):
        return {item["path"] for item in client.get(f"/api/news/index.json?{query}").json()["value"]}

    everything = paths("")
    assert len(everything) == 3
    assert paths("since=0001-01-01T00:00:00%2B01:00") == paths("until=9999-12-31") == everything
    assert paths("until=9999-12-31T23:59:59-05:00") == everything
    assert paths("since=9999-12-31T23:59:59-05:00") == set()  # after the last instant: nothing
    assert paths("until=0001-01-01T00:00:00%2B01:00") == set()


def test_api_pages_past_the_cap_are_json_404s(client, site):
    for url in [f"/api/news/page/{HUGE}/index.json", "/api/news/page/100001/index.json",
                f"/api/news/power-apps/page/{HUGE}/index.json", "/api/news/page/-1/index.json", "/api/news/nothing/here"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json" and "error" in response.json(), url
    assert client.get("/api/news/page/2/index.json?page_size=1").status_code == 200  # below the cap: served


def test_html_pages_refuse_odd_page_numbers_with_404(client, site):
    for page in [HUGE, "100001", "0", "-1", "²", "1.5", ""]:
        assert client.get(f"/?page={page}").status_code == (200 if page == "" else 404), page


@pytest.fixture
def staff(client, django_user_model):
    ensure_groups()
    editor = user_in(django_user_model, "Editor")
    client.force_login(editor)
    return editor


def test_list_filters_with_odd_ids(client, site, staff):
    for changelist in ["article", "reviewitem"]:
        for query in [f"provider__id__exact={HUGE}", f"decided_by={HUGE}", f"topic={HUGE}", "provider__id__exact=²",
                      "decided_by=²", "topic=²", "provider__id__exact=-1", "decided_by=0"]:
            response = client.get(f"/admin/articles/{changelist}/?{query}")
            assert response.status_code == 200, (changelist, query)
            assert list(response.context["cl"].result_list) == [], (changelist, query)


def test_list_filters_with_dates_past_the_calendar(client, site, admin_user):
    """The list (PostgreSQL takes these dates), or where SQLite cannot, the admin's own
    answer to a lookup it cannot use: its "?e=1" page."""
    client.force_login(admin_user)
    for url in [
        "/admin/articles/article/?published_at__gte=0001-01-01T00:00:00%2B01:00",
        "/admin/articles/reviewitem/?published_at__lt=9999-12-31T23:59:59-05:00",
        "/admin/articles/article/?decided_at__lt=0001-01-01%2000:00:00%2B01:00",
        "/admin/articles/decision/?at__gte=0001-01-01T00:00:00%2B01:00",
        "/admin/articles/decision/?at__year=9999&at__month=12",
        f"/admin/articles/decision/?at__year={HUGE}",
        "/admin/articles/decision/?at__year=9999",
        "/admin/axes/accesslog/?attempt_time__year=9999",
        "/admin/articles/decision/?at__gte=0001-01-01T00:00:00%2B01:00&e=1",
    ]:
        response = client.get(url)
        if response.status_code == 302:
            assert response["Location"].endswith("?e=1"), url
            response = client.get(response["Location"])
        assert response.status_code == 200, url


def test_a_nul_in_the_desks_query_strings_is_a_400(client, site, admin_user):
    """PostgreSQL text cannot hold a NUL: the query is refused before the database."""
    client.force_login(admin_user)
    for url in ["/admin/articles/decision/?action__exact=%00", "/admin/articles/article/?q=a%00b",
                "/admin/articles/article/?collection=%00", "/admin/axes/accesslog/?path_info=%00",
                "/admin/articles/article/?%00=1"]:
        assert client.get(url).status_code == 400, url
    assert client.get("/admin/articles/decision/?action__exact=publish").status_code == 200


def test_a_list_filter_with_a_real_id_still_filters(client, site, staff):
    provider = site["items"][0].provider
    response = client.get(f"/admin/articles/article/?provider__id__exact={provider.pk}")
    shown = {a.pk for a in response.context["cl"].result_list}
    assert shown == set(provider.articles.values_list("pk", flat=True)) and len(shown) == 5


# ---- generated: the public site -----------------------------------------------------------
DOCUMENTED = sorted(set(ArticleFilter.base_filters) | {"page", "page_size"})
ODD = [
    "", " ", "0", "1", "-1", "2", "25", "100", "101", HUGE, "-" + HUGE, "²", "١٢", "1e3", "0x10", "1.5", "nan",
    "0001-01-01", "9999-12-31", "0000-00-00", "2024-02-30", "2024-03-01", "2024-03-01T10:00:00Z",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59.999999+14:00",
    "2024-03-01T25:00", "2024-03-01 10:00", "news", "learning", "video", "article", "newest", "oldest", "hottest",
    "best", "example.com", "power-apps", "canvas-apps", "no-such-topic", "\x00", "a\x00b", "%00", "<script>",
    "' OR 1=1 --", "é", "\u202e", "\ud7ff", "a" * 300, "x " * 20,
]
values = st.one_of(
    st.sampled_from(ODD),
    st.integers().map(str),
    st.dates().map(str),
    st.builds(lambda d, h: f"{d}T12:00:00{h}", st.dates(), st.sampled_from(["Z", "+01:00", "-05:00", "+14:00", "-12:00", ""])),
    st.text(max_size=20),
)
OFFSETS = ["Z", "+00:00", "+01:00", "-05:00", "+14:00", "-12:00", ""]
dates = st.one_of(
    st.sampled_from(["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"]),
    st.dates().map(str),
    st.builds(lambda d, t, z: f"{d.isoformat()}T{t.isoformat()}{z}", st.dates(), st.times(), st.sampled_from(OFFSETS)),
)
whole_numbers = st.one_of(st.sampled_from(["0", "-1", "1", "100", "101", HUGE, "²", "1.5"]), st.integers().map(str))
small_numbers = st.one_of(st.integers(1, 5).map(str), whole_numbers)
scores = st.one_of(st.integers(-200, 200).map(str), whole_numbers)
# What each documented parameter takes, valid values and the edges of validity.
TYPED = {
    "since": dates, "until": dates, "page": small_numbers, "page_size": small_numbers,
    "min_quality": scores, "min_heat": scores,
    "collection": st.sampled_from(["news", "learning", "samples", "", "nope"]),
    "type": st.sampled_from(["article", "video", "", "x" * 60]),
    "topic": st.sampled_from(["power-apps", "canvas-apps", "nope", ""]),
    "provider": st.sampled_from(["example.com", "EXAMPLE.COM", "nope.example", ""]),
    "sort": st.sampled_from(["newest", "oldest", "hottest", "best", "worst", ""]),
    "q": st.text(max_size=40),
}
assert set(TYPED) == set(DOCUMENTED), "a parameter was documented without a strategy here"
# A few documented parameters, mostly with values of their kind (one invalid value stops a
# request at validation, before the database), then sometimes random ones.
documented = st.sampled_from(DOCUMENTED).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(TYPED[name], TYPED[name], TYPED[name], values)))
queries = st.builds(
    lambda known, other: known + other,
    st.lists(documented, max_size=4, unique_by=lambda pair: pair[0]),
    st.lists(st.tuples(st.text(min_size=1, max_size=12), values), max_size=2),
)

slugs = st.one_of(st.sampled_from(["power-apps", "canvas-apps", "news", "learning", "nope"]),
                  st.from_regex(r"[-a-zA-Z0-9_]{1,30}", fullmatch=True))
domains = st.one_of(st.sampled_from(["example.com", "nope.example", "."]), st.from_regex(r"[A-Za-z0-9.-]{1,40}", fullmatch=True))
numbers = st.one_of(st.sampled_from(["0", "1", "2", "99999", "100000", "100001", HUGE]), st.integers(0, 10**30).map(str))


LISTS = [  # the pages that take the filters, each with the parameters generated for it
    "/", "/search/", "/topics/power-apps/", "/providers/example.com/", "/api/news/index.json",
    "/api/news/page/2/index.json", "/api/news/power-apps/index.json", "/api/learning/index.json",
]
ANY = [
    "/", "/search/", "/topics/", "/providers/", "/topics/{slug}/", "/providers/{domain}/", "/items/{item}/",
    "/feeds/latest.rss", "/feeds/latest.atom", "/feeds/topics/{slug}.rss", "/feeds/topics/{slug}.atom",
    "/feeds/providers/{domain}.rss", "/feeds/providers/{domain}.atom", "/sitemap.xml", "/sitemap-{slug}.xml",
    "/sitemap-items.xml", "/sitemap-news.xml", "/robots.txt", "/api/{slug}/index.json", "/api/{slug}/",
    "/api/{slug}/page/{n}/index.json", "/api/{slug}/{slug}/index.json", "/api/{slug}/{slug}/page/{n}/index.json",
]


@st.composite
def public_paths(draw, item_ids):
    return draw(st.sampled_from(ANY)).format(
        slug=draw(slugs), domain=draw(domains), n=draw(numbers), item=draw(st.one_of(st.sampled_from(item_ids), numbers)),
    )


conditional = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"HTTP_IF_NONE_MATCH": st.one_of(st.just("*"), st.text(max_size=40))}),
    st.fixed_dictionaries({"HTTP_IF_MODIFIED_SINCE": st.one_of(
        st.sampled_from(["Sat, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "yesterday"]),
        st.text(max_size=40))}),
)


def assert_answered(response, url, head=False):
    assert response.status_code in (200, 304, 400, 404), f"{response.status_code} for {url!r}"
    if url.startswith("/api/") and response.status_code != 304:
        assert response["Content-Type"] == "application/json", url
        if head:
            return
        body = json.loads(response.content)
        assert ("value" in body) if response.status_code == 200 else ("error" in body), url


def check_public(client, path, query, headers, head):
    url = f"{path}?{urlencode(query)}" if query else path
    response = (client.head if head else client.get)(url, **headers)
    assert_answered(response, url, head)


@pytest.mark.parametrize("path", LISTS)
def test_no_500_on_the_lists_whatever_the_filters(client, site, path):
    @hsettings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(query=queries, headers=conditional, head=st.booleans())
    def check(query, headers, head):
        check_public(client, path, query, headers, head)

    check()


def test_no_500_on_any_public_url(client, site):
    item_ids = [str(item.pk) for item in site["items"]]

    @hsettings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(path=public_paths(item_ids), query=queries, headers=conditional, head=st.booleans())
    def check(path, query, headers, head):
        check_public(client, path, query, headers, head)

    check()


# ---- generated: the desk's changelists ---------------------------------------------------
LISTS_OF_THE_DESK = [
    "/admin/articles/article/", "/admin/articles/reviewitem/", "/admin/articles/decision/",
    "/admin/articles/scheduledpublication/", "/admin/articles/triagerule/", "/admin/articles/provider/",
    "/admin/articles/topic/", "/admin/auth/user/", "/admin/auth/group/", "/admin/axes/accessattempt/",
    "/admin/axes/accesslog/", "/admin/axes/accessfailurelog/",
]


def changelist_parameters(client, url):
    """The query parameters a list takes, read from the list itself: its filters', the
    date hierarchy's, search, order and page."""
    response = client.get(url)
    assert response.status_code == 200, url
    cl = response.context["cl"]
    params = {"q", "o", "p", "all", "_facets", "e"}
    for spec in cl.filter_specs:
        params.update(spec.expected_parameters())
    if cl.date_hierarchy:
        params.update(f"{cl.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(params)


def test_every_list_of_the_desk_is_generated_for(admin_client):
    registered = {f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry}
    assert registered == set(LISTS_OF_THE_DESK)


def admin_values(name, ids):
    """Values for a list's parameter, by what its name says it takes."""
    years = st.one_of(st.sampled_from(["0", "1", "2024", "9999", "10000", HUGE]), st.integers().map(str))
    if name.endswith(("__gte", "__lt", "__lte", "__gt")):
        typed = st.one_of(dates, dates.map(lambda d: d.replace("T", " ")))
    elif name.endswith("__year"):
        typed = years
    elif name.endswith(("__month", "__day")):
        typed = st.one_of(st.integers(0, 13).map(str), whole_numbers)
    elif name.endswith(("__isnull", "__isempty")):
        typed = st.sampled_from(["0", "1", "True", "False", "yes", ""])
    elif name.endswith(("exact", "_by", "topic")):
        typed = st.one_of(st.sampled_from(ids), whole_numbers)
    elif name == "o":
        typed = st.one_of(st.from_regex(r"-?[0-9]{1,3}(\.-?[0-9]{1,3}){0,3}", fullmatch=True), whole_numbers)
    elif name == "p":
        typed = small_numbers
    else:
        typed = values
    return st.one_of(typed, typed, values)


@pytest.mark.parametrize("url", LISTS_OF_THE_DESK)
def test_no_500_on_the_desks_lists(client, site, admin_user, url):
    client.force_login(admin_user)  # every list, the users' and the login records' included
    params = changelist_parameters(client, url)
    ids = [str(site["items"][0].pk), str(site["topics"][0].pk), str(site["items"][0].provider_id), str(admin_user.pk)]
    pair = st.sampled_from(params).flatmap(lambda name: st.tuples(st.just(name), admin_values(name, ids)))
    query_strings = st.builds(
        lambda known, other: known + other,
        st.lists(pair, max_size=3, unique_by=lambda p: p[0]),
        st.lists(st.tuples(st.text(min_size=1, max_size=12), values), max_size=1),
    )

    @hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(query_strings)
    def check(query):
        full = f"{url}?{urlencode(query)}"
        response = client.get(full)
        if response.status_code == 302:  # the admin's answer to a lookup it cannot use
            assert response["Location"].endswith("?e=1"), full
            response = client.get(response["Location"])
        assert response.status_code in (200, 400, 404), f"{response.status_code} for {full!r}"

    check()
