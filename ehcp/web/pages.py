"""HTML pages of the web app (portal, landing page, staff pages): GOV.UK Design System
templates under templates/, rendered with the govuk-frontend-jinja macros."""

from __future__ import annotations

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

from ehcp.rendering import TEMPLATES

# The GOV.UK macros test optional parameters by truthiness, which a strict environment
# refuses; these pages use Jinja's default undefined. Letters and emails stay strict.
pages = Environment(
    loader=ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]
    ),
    autoescape=select_autoescape(["html"]),
)
