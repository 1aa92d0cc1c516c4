"""Uploads bounded while they arrive: a file larger than ``JIXIAO_MAX_UPLOAD_BYTES`` (the
largest any form accepts) stops being stored at that size instead of filling the disk, and
the form it was meant for says so, naming the file. The forms' own, smaller limits (a photo's
10 MB) are checked by the forms as before."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _

MB = 1024 * 1024


class BoundedUploadHandler(FileUploadHandler):
    """First of the upload handlers: passes each chunk on to the usual ones until the file
    passes the limit, then drops the file (the rest of the request is still read, so the
    form's other fields and its CSRF token arrive) and notes it on the request."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.JIXIAO_MAX_UPLOAD_BYTES:
            oversized = getattr(self.request, "oversized_uploads", {})
            oversized[self.field_name] = self.file_name
            self.request.oversized_uploads = oversized
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler makes the file


def refuse_oversized(request, form) -> None:
    """Put on ``form`` an error for each file of the request dropped for its size."""
    for field, file_name in getattr(request, "oversized_uploads", {}).items():
        form.add_error(
            field if field in form.fields else None,
            _("%(name)s is larger than %(mb)s MB and was not uploaded.")
            % {"name": file_name, "mb": f"{settings.JIXIAO_MAX_UPLOAD_BYTES / MB:g}"},
        )
