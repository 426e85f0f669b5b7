"""The brand comes from settings: the name and logo on every page, the colour as a
stylesheet over the default one."""

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_shows_the_configured_name_and_logo(client, settings):
    settings.SITE_NAME = "Northwind Academy"
    settings.SITE_LOGO = "https://cdn.northwind.example/logo.svg"
    page = client.get("/").content.decode()
    header = page.split('class="brand"')[1].split("</a>")[0]
    assert 'src="https://cdn.northwind.example/logo.svg"' in header and "Northwind Academy" in header
    assert "· Northwind Academy</title>" in page and ">LMS<" not in page


def test_the_default_logo_is_a_static_file(client):
    header = client.get("/").content.decode().split('class="brand"')[1].split("</a>")[0]
    assert 'src="/static/img/logo.svg"' in header and "Learning Hub" in header


def test_a_brand_colour_is_served_as_a_stylesheet_only_when_it_is_not_the_default(client, settings):
    assert "/brand.css" not in client.get("/").content.decode()
    settings.BRAND_COLOR = "#6b21a8"
    assert '<link rel="stylesheet" href="/brand.css">' in client.get("/").content.decode()
    css = client.get("/brand.css")
    assert css["Content-Type"].startswith("text/css") and css.content == b":root { --accent: #6b21a8; }\n"
    assert "public" in css["Cache-Control"]


def test_a_learner_is_greeted_with_an_avatar_menu(client):
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(first_name="Ada", last_name="Lovelace"))
    menu = client.get("/dashboard/").content.decode().split('class="user-menu"')[1].split("</details>")[0]
    assert 'class="avatar avatar-initials"' in menu and ">AL<" in menu and "Ada Lovelace" in menu
    for item in ("/accounts/profile/", "/accounts/password/", "Log out"):
        assert item in menu
    assert "/admin/" not in menu  # staff only
