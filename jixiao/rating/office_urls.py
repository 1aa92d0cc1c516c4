"""The offices' pages of online rating, mounted under ``periods/``: a unit's assessment
office under ``<code>/units/<unit_id>/rating/``, the city's office under ``<code>/rating/``
(its city-wide rounds, and every unit's round from the overview)."""

from django.urls import path

from jixiao.rating import office_views as views

app_name = "rating_office"

ROUND_PAGES = [
    ("", "round"),
    ("progress/", "progress"),
    ("issue/", "issue"),
    ("reissue/", "reissue"),
    ("closing/", "closing"),
    ("count/", "count"),
    ("slips.pdf", "slips_pdf"),
    ("slips.xlsx", "slips_xlsx"),
]

unit = "<str:code>/units/<int:unit_id>/rating/"
city = "<str:code>/rating/"
urlpatterns = [
    path(unit, views.unit_rounds, name="unit_rounds"),
    *[
        path(f"{unit}<int:round_id>/{tail}", getattr(views, f"unit_{name}"), name=f"unit_{name}")
        for tail, name in ROUND_PAGES
    ],
    path(city, views.city_rounds, name="city_rounds"),
    *[
        path(f"{city}<int:round_id>/{tail}", getattr(views, f"city_{name}"), name=f"city_{name}")
        for tail, name in ROUND_PAGES
    ],
]
