"""Benchmark: the showcase's public pages, the big screen's data, the poster and the 喜报
images, on the demo city.

    uv run python bench/showcase.py [--people 8000] [--repeat 20] [--poster-units 3]

A fresh demo city (``jixiao demo --no-serve``, SQLite in a temporary folder) is built, then
every page is requested through Django's test client (the whole middleware stack, no
network), as a browser asks for it:

    cold   the first request after the cache was emptied (the exemplars read from the database)
    warm   again, the exemplars from the cache
    304    again with the ETag of the last answer (what a browser revalidating gets)

Baselines measured in the same run: *bare read*, the exemplars' rows as plain tuples from
one query (the least any page must do), and for the poster *bare page*, WeasyPrint laying
out a one-page HTML document with one line of text, for the 喜报 *bare flat PNG*, a
one-colour 1080×1920 canvas written as PNG (the same compression). The 喜报 batches are those
of the --poster-units units with the most exemplars. Printed: times (median of --repeat), the
ratios page / bare read, poster page / bare page and image / bare PNG, and the input sizes.
Nothing is asserted.
"""

import argparse
import time

from demo_city import build_demo_city, median_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--poster-units", type=int, default=3, help="units whose A4 posters are timed")
    parser.add_argument(
        "--smoke", action="store_true", help="a small city, one request a page, one poster: that it runs"
    )
    options = parser.parse_args()
    if options.smoke:
        options.people, options.repeat, options.poster_units = 1500, 1, 1

    build_demo_city(options.people, "showcase")
    import pypdfium2
    from django.core.cache import cache
    from django.test import Client

    from jixiao.assessment.models import Period
    from jixiao.org.models import Unit
    from jixiao.selection import workflow
    from jixiao.showcase import posters
    from jixiao.showcase.public import published_exemplars
    from jixiao.showcase.rendering import render_document

    period = Period.objects.get(code="2023H1")
    exemplars = published_exemplars(period)
    some = exemplars[0]
    print(f"input: {len(exemplars)} published exemplars in {len({e.unit_id for e in exemplars})} units\n")

    def bare_read():
        list(
            workflow.exemplars(period).values_list(
                "person__name", "proposal__unit__name", "category__name", "route", "post"
            )
        )

    bare = median_ms(bare_read, options.repeat)
    client = Client()
    pages = {
        "list (24 cards)": f"/exemplars/{period.code}/",
        "list, searched": f"/exemplars/{period.code}/?q={some.name}",
        "profile": f"/exemplars/{period.code}/{some.key}/",
        "screen data.json": f"/screen/{period.code}/data.json",
    }
    print(f"{'page':<20}{'cold ms':>10}{'warm ms':>10}{'304 ms':>10}{'warm/bare':>11}")
    print(f"{'bare read':<20}{'':>10}{bare:>10.2f}")
    for label, url in pages.items():

        def cold(url=url):
            cache.clear()
            assert client.get(url).status_code == 200

        def warm(url=url):
            assert client.get(url).status_code == 200

        cold_ms = median_ms(cold, options.repeat)
        warm_ms = median_ms(warm, options.repeat)
        etag = client.get(url)["ETag"]
        revalidated = median_ms(
            lambda url=url, etag=etag: client.get(url, headers={"If-None-Match": etag}), options.repeat
        )
        print(f"{label:<20}{cold_ms:>10.2f}{warm_ms:>10.2f}{revalidated:>10.2f}{warm_ms / bare:>10.1f}×")

    html = "<html><body><p>绩效标兵</p></body></html>"
    bare_page = median_ms(lambda: render_document(html), 5)
    units = Unit.objects.filter(pk__in={e.unit_id for e in exemplars}).order_by("-pk")[: options.poster_units]
    print(f"\n{'poster (A4)':<28}{'pages':>6}{'seconds':>9}{'s/page':>8}{'page/bare':>11}")
    print(f"{'bare one-page document':<28}{1:>6}{bare_page / 1000:>9.2f}{bare_page / 1000:>8.2f}")
    for unit in units:
        start = time.perf_counter()
        pdf = posters.poster_pdf(period, unit, posters.PAPERS["A4"], "http://127.0.0.1:8000/")
        seconds = time.perf_counter() - start
        pages_made = len(pypdfium2.PdfDocument(pdf))
        assert pages_made == -(
            -len([e for e in exemplars if e.unit_id == unit.pk]) // posters.PAPERS["A4"].per_page
        )
        per_page = seconds / max(pages_made, 1)
        print(
            f"{unit.name:<28}{pages_made:>6}{seconds:>9.2f}{per_page:>8.2f}{per_page * 1000 / bare_page:>10.1f}×"
        )

    # 喜报: one image, and the batches of the units with the most exemplars. Baseline: a flat
    # 1080×1920 canvas written as PNG at the same compression (the least any such image costs).
    import io
    import zipfile

    from PIL import Image

    from jixiao.showcase import congratulations

    def bare_png():
        congratulations.png_bytes(
            Image.new("RGB", (congratulations.WIDTH, congratulations.HEIGHT), (200, 24, 30))
        )

    bare_image = median_ms(bare_png, options.repeat)
    base_url = "http://127.0.0.1:8000/"
    with_photo = next((e for e in exemplars if e.photo), some)
    one = median_ms(lambda: congratulations.congratulation_png(period, with_photo, base_url), options.repeat)
    print(f"\n{'喜报 (1080×1920 PNG)':<28}{'images':>7}{'seconds':>9}{'ms/image':>10}{'image/bare':>12}")
    print(f"{'bare flat PNG':<28}{1:>7}{bare_image / 1000:>9.2f}{bare_image:>10.1f}")
    print(f"{'one exemplar, with photo':<28}{1:>7}{one / 1000:>9.2f}{one:>10.1f}{one / bare_image:>11.1f}×")
    sizes = {}
    for e in exemplars:
        sizes[e.unit_id] = sizes.get(e.unit_id, 0) + 1
    largest = sorted(sizes, key=sizes.get, reverse=True)[: options.poster_units]
    for unit in sorted(Unit.objects.filter(pk__in=largest), key=lambda u: -sizes[u.pk]):
        start = time.perf_counter()
        data = congratulations.unit_zip(period, unit, base_url)
        seconds = time.perf_counter() - start
        assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == sizes[unit.pk]
        per_image = seconds * 1000 / sizes[unit.pk]
        print(
            f"{unit.name + ' (.zip)':<28}{sizes[unit.pk]:>7}{seconds:>9.2f}{per_image:>10.1f}"
            f"{per_image / bare_image:>11.1f}×  {len(data) / sizes[unit.pk] / 1024:.0f} KB/image"
        )


if __name__ == "__main__":
    main()
