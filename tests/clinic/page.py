"""Reading pages the way a person does: which message sits next to which field."""

import html
import re


def error_next_to(response, field: str) -> str:
    """The error text shown under `field` (crispy-bootstrap5 renders it in #id_<field>_error), or ""."""
    page = response.content.decode()
    match = re.search(rf'<div id="id_{field}_error" class="invalid-feedback">(.*?)</div>', page, re.S)
    if not match:
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())
