"""The raters' pages (no account), under /rate/. The names and fields are a contract: the
slips' QR codes, the benchmark and the browser test use them."""

from django.urls import path

from jixiao.rating import rater_views as views

app_name = "rating"
urlpatterns = [
    path("", views.enter, name="enter"),
    path("sheet/", views.sheet, name="sheet"),
    path("save/", views.save, name="save"),
    path("review/", views.review, name="review"),
    path("done/", views.done, name="done"),
    # Last: a round's key is 6 characters of the codes' alphabet, never one of the above.
    path("<str:key>/", views.enter, name="enter_round"),
]
