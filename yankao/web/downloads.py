"""Files the console hands out: an Excel workbook built in memory, named for the browser."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from yankao.core.spreadsheets import XLSX_CONTENT_TYPE


def xlsx_download(*, data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    # Django's own header writer: quoting, and RFC 6266 encoding of a non-ASCII name.
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
