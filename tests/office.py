"""Files opened the way offices open them: LibreOffice (as Word, WPS and Excel users' files
print) turns a .docx or .xlsx into a PDF, which poppler reads back page by page."""

import shutil
import subprocess
from pathlib import Path

import pytest

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (libreoffice-writer, libreoffice-calc) or poppler-utils not installed",
)


def as_printed(document: Path, folder: Path) -> list[str]:
    """The pages of ``document`` as LibreOffice prints it: each page's text, in layout."""
    out = folder / "printed"
    out.mkdir(exist_ok=True)
    # A profile of its own: two runs at once must not share LibreOffice's user folder.
    profile = (folder / "libreoffice-profile").resolve().as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(document),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = out / f"{document.stem}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")[:-1]
