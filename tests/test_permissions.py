"""Who may do what: every route for each role (anonymous, owner, other enterprise, university, bureau)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from matchmaker.models import OrgStatus, OrgType, PostingKind, PostingStatus
from tests.conftest import Auth, Factory

ROLES = ("anon", "owner", "enterprise", "university", "bureau")


@dataclass
class World:
    emails: dict[str, str]
    draft: int
    pending: int
    published: int
    org: int  # a pending organisation to decide on
    token: int  # the owner's API token


@pytest.fixture
def world(make: Factory) -> World:
    owner = make.user()
    emails = {
        "owner": owner,
        "enterprise": make.user(),
        "university": make.user(org_type=OrgType.UNIVERSITY),
        "bureau": make.bureau(),
    }
    return World(
        emails=emails,
        draft=make.posting(owner, PostingKind.RD_NEED, PostingStatus.DRAFT),
        pending=make.posting(owner, PostingKind.RD_NEED, PostingStatus.PENDING),
        published=make.posting(owner, PostingKind.RD_NEED, PostingStatus.PUBLISHED),
        org=make.org(status=OrgStatus.PENDING),
        token=make.token_id(make.token(owner)),
    )


def as_role(role: str, world: World, auth: Auth) -> None:
    if role != "anon":
        assert auth.login(world.emails[role]).status_code == 302


L = "login"  # redirected to the login page
# fmt: off
GET_MATRIX: list[tuple[str, tuple[object, ...]]] = [
    # url template                         anon owner enterprise university bureau
    ("/",                                  (200, 200, 200, 200, 200)),
    ("/postings/rd-need/",                 (200, 200, 200, 200, 200)),
    ("/postings/research-outcome/",        (200, 200, 200, 200, 200)),
    ("/postings/{published}",              (200, 200, 200, 200, 200)),
    ("/postings/{draft}",                  (404, 200, 404, 404, 200)),
    ("/postings/{pending}",                (404, 200, 404, 404, 200)),
    ("/postings/{draft}/edit",             (L,   200, 404, 404, 403)),
    ("/postings/{published}/edit",         (L,   302, 403, 403, 403)),
    ("/postings/{published}/withdraw",     (L,   200, 403, 403, 403)),  # asks first
    ("/postings/999999",                   (404, 404, 404, 404, 404)),
    ("/home",                              (L,   200, 200, 200, 200)),
    ("/postings/mine",                     (L,   200, 200, 200, 403)),
    ("/postings/new/rd-need",              (L,   200, 200, 403, 403)),
    ("/postings/new/supply-need",          (L,   200, 200, 403, 403)),
    ("/postings/new/supply-offer",         (L,   200, 200, 403, 403)),
    ("/postings/new/research-outcome",     (L,   403, 403, 200, 403)),
    ("/postings/new/nonsense",             (404, 404, 404, 404, 404)),
    ("/auth/register",                     (200, 302, 302, 302, 302)),
    ("/auth/login",                        (200, 302, 302, 302, 302)),
    ("/auth/organization",                 (L,   200, 200, 200, 200)),
    ("/auth/account",                      (L,   200, 200, 200, 200)),
    ("/auth/password",                     (L,   200, 200, 200, 200)),
    ("/review/postings",                   (L,   403, 403, 403, 200)),
    ("/review/postings/{pending}",         (L,   403, 403, 403, 200)),
    ("/review/organizations",              (L,   403, 403, 403, 200)),
    ("/review/organizations/{org}",        (L,   403, 403, 403, 200)),
    ("/admin/taxonomies/towns",            (L,   403, 403, 403, 200)),
    ("/admin/taxonomies/tech-fields/1",    (L,   403, 403, 403, 200)),
    ("/admin/taxonomies/nonsense",         (L,   403, 403, 403, 404)),
    ("/admin/users",                       (L,   403, 403, 403, 200)),
    ("/admin/imports",                     (L,   403, 403, 403, 200)),
    ("/admin/imports/template.xlsx",       (L,   403, 403, 403, 200)),
    ("/admin/search",                      (L,   403, 403, 403, 200)),
    ("/search?q=测试",                      (200, 200, 200, 200, 200)),
    ("/matches",                           (L,   200, 200, 200, 403)),
    ("/lists/",                            (200, 200, 200, 200, 200)),
    ("/lists/new",                         (L,   403, 403, 403, 200)),
]

POST_MATRIX: list[tuple[str, tuple[object, ...]]] = [
    ("/postings/{draft}/submit",           (L,   302, 404, 404, 403)),
    ("/postings/{pending}/withdraw",       (L,   302, 404, 404, 403)),
    ("/postings/{published}/withdraw",     (L,   302, 403, 403, 403)),
    ("/postings/{published}/close",        (L,   302, 403, 403, 302)),
    ("/postings/{draft}/close",            (L,   302, 404, 404, 302)),
    ("/review/postings/{pending}/publish", (L,   403, 403, 403, 302)),
    ("/review/postings/{pending}/return",  (L,   403, 403, 403, 302)),
    ("/review/organizations/{org}/verify", (L,   403, 403, 403, 302)),
    ("/review/organizations/{org}/reject", (L,   403, 403, 403, 302)),
    ("/admin/taxonomies/towns",            (L,   403, 403, 403, 302)),
    ("/admin/taxonomies/towns/1",          (L,   403, 403, 403, 302)),
    ("/admin/users",                       (L,   403, 403, 403, 302)),
    ("/auth/organization/resubmit",        (L,   303, 303, 303, 303)),  # refused: not rejected
    ("/auth/account/tokens/{token}/revoke", (L,  302, 404, 404, 404)),  # only the token's own user
]
# fmt: on
POST_DATA = {
    "reason": "abandoned",
    "note": "",
    "name": "新镇区",
    "position": "5",
    "org_name": "宝应县科学技术局",
    "email": "staff@example.com",
    "password": "lotus-pond-2026",
}
POST_DATA_BY_URL = {
    "/review/postings/{pending}/return": {"reason": "请补充技术指标和应用场景。"},
    "/review/organizations/{org}/reject": {"reason": "营业执照信息与名称不符。"},
}


def check(response_status: int, location: str | None, expected: object) -> None:
    if expected == L:
        assert response_status == 302 and location and "/auth/login" in location
    else:
        assert response_status == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "expected"), GET_MATRIX, ids=[u for u, _ in GET_MATRIX])
def test_get_routes(
    client: FlaskClient, auth: Auth, world: World, role: str, url: str, expected: tuple[object, ...]
) -> None:
    as_role(role, world, auth)
    response = client.get(url.format(**vars(world)))
    check(response.status_code, response.location, expected[ROLES.index(role)])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "expected"), POST_MATRIX, ids=[u for u, _ in POST_MATRIX])
def test_post_routes(
    client: FlaskClient, auth: Auth, world: World, role: str, url: str, expected: tuple[object, ...]
) -> None:
    as_role(role, world, auth)
    data = POST_DATA_BY_URL.get(url, POST_DATA)
    response = client.post(url.format(**vars(world)), data=data)
    check(response.status_code, response.location, expected[ROLES.index(role)])


@pytest.mark.parametrize(
    "url",
    [
        "/postings/{draft}/submit",
        "/review/postings/{pending}/publish",
        "/review/organizations/{org}/verify",
        "/auth/logout",
    ],
)
def test_state_changes_refuse_get(client: FlaskClient, auth: Auth, world: World, url: str) -> None:
    as_role("bureau", world, auth)
    assert client.get(url.format(**vars(world))).status_code == 405
