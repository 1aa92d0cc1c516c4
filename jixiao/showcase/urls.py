from django.urls import path

from jixiao.showcase import congratulation_views, views

app_name = "showcase"


def downloads(prefix: str, view, name: str) -> list:
    """``…/poster.pdf`` (``?paper=A4|A3``), ``…/wechat.zip`` and ``…/long-image.png``."""
    files = {"poster": "poster.pdf", "wechat": "wechat.zip", "long-image": "long-image.png"}
    return [
        path(f"{prefix}showcase/{file}", view, {"kind": kind}, name=f"{name}_{kind.replace('-', '_')}")
        for kind, file in files.items()
    ]


unit = "periods/<str:code>/units/<int:unit_id>/"
urlpatterns = [
    # Public: no login, published exemplars only.
    path("exemplars/", views.public_index, name="index"),
    path("exemplars/<str:code>/", views.public_period, name="period"),
    path("exemplars/<str:code>/<str:key>/", views.public_profile, name="profile"),
    path("exemplars/<str:code>/<str:key>/photo.jpg", views.public_photo, name="photo"),
    path("screen/<str:code>/", views.screen, name="screen"),
    path("screen/<str:code>/data.json", views.screen_data, name="screen_data"),
    path("screen/<str:code>/units/<int:unit_id>/", views.screen, name="unit_screen"),
    path("screen/<str:code>/units/<int:unit_id>/data.json", views.screen_data, name="unit_screen_data"),
    # The unit's office.
    path(unit + "profiles/", views.unit_profiles, name="unit_profiles"),
    path(unit + "profiles/<int:person_id>/", views.edit_profile, name="edit_profile"),
    path(unit + "profiles/<int:person_id>/photo.jpg", views.unit_photo, name="unit_photo"),
    path(unit + "profiles/<int:person_id>/photo/remove/", views.remove_photo, name="remove_photo"),
    *downloads(unit, views.unit_download, "unit"),
    # 喜报: one exemplar's image, the unit's batch.
    path(
        unit + "profiles/<int:person_id>/congratulation.png",
        congratulation_views.exemplar_congratulation,
        name="exemplar_congratulation",
    ),
    path(
        unit + "showcase/congratulations.zip",
        congratulation_views.unit_congratulations,
        name="unit_congratulations",
    ),
    # The city.
    *downloads("periods/<str:code>/", views.city_download, "city"),
    # Documents being made, for whoever asked (checked by the job's unit).
    path("exports/<str:job>/", views.export_progress, name="export"),
    path("exports/<str:job>/file", views.export_file, name="export_file"),
]
