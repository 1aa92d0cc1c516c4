from django.urls import path

from jixiao.selection import unit_jobs, views, what_if_views

app_name = "selection"
unit = "<str:code>/units/<int:unit_id>/"
urlpatterns = [
    path("", views.periods, name="periods"),
    path("<str:code>/settings/", views.period_settings, name="period_settings"),
    path("<str:code>/what-if/", what_if_views.what_if, name="what_if"),
    path("<str:code>/state/", views.period_state, name="period_state"),
    path("<str:code>/", views.period_overview, name="period"),
    path("<str:code>/exemplars/", views.city_totals, name="city_totals"),
    path("<str:code>/jobs/<str:job_key>/", unit_jobs.city_job, name="city_job"),
    path(unit, views.unit_ranking, name="unit"),
    path(unit + "roster/", views.roster, name="roster"),
    path(unit + "people/<str:staff_id>/take-back/", views.take_back_total, name="take_back_total"),
    path(unit + "ranking/run/", views.run_ranking, name="run_ranking"),
    path(unit + "jobs/<str:job_key>/", unit_jobs.unit_job, name="unit_job"),
    path(unit + "candidates/", views.candidates, name="candidates"),
    path(unit + "candidates/submit/", views.submit_candidates, name="submit"),
    path(unit + "candidates/reopen/", views.reopen, name="reopen"),
    path(unit + "nominations/<int:nomination_id>/withdraw/", views.withdraw_nomination, name="withdraw"),
    path(unit + "decision/", views.decision, name="decision"),
    path(unit + "publicity/", views.publicity, name="publicity"),
    path(unit + "publicity/notice.<str:fmt>", views.notice_document, name="notice_document"),
    path(unit + "publicity/objections/<int:objection_id>/resolve/", views.resolve_objection, name="resolve"),
    path(unit + "publicity/publish/", views.publish, name="publish"),
]
