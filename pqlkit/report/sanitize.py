"""Sanitising a notebook's outputs for a report page: only the HTML of tables and simple markup stays.

- a notebook's HTML outputs go through :func:`sanitize_html` (nh3, the Python binding of the Rust
  sanitiser ammonia): only the tags and attributes of tables and simple markup stay; scripts, styles,
  event handlers and ``javascript:`` links go;
- a notebook's Markdown outputs (the narrative, written from the data) are rendered here, with raw
  HTML in them shown as text, and the resulting HTML sanitised likewise (:func:`markdown_to_html`);
  other rich outputs (JavaScript, widgets) are dropped (:func:`page_output`).
"""

from __future__ import annotations

__all__ = ["markdown_to_html", "sanitize_html"]

# Tags and attributes a notebook's HTML output may keep: pandas tables and simple markup. Anything
# else is removed (its text kept, except for script and style, which go whole).
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "*": {"class", "id", "title", "style", "align"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "table": {"border", "cellpadding", "cellspacing"},
    "td": {"colspan", "rowspan", "halign", "valign"},
    "th": {"colspan", "rowspan", "halign", "valign"},
}
# The CSS properties a style attribute may keep (layout and colour of table cells and text).
_STYLE_PROPERTIES = {
    "background-color", "border", "border-bottom", "border-collapse", "border-color", "border-left", "border-right",
    "border-style", "border-top", "border-width", "color", "font-family", "font-size", "font-style", "font-weight",
    "height", "line-height", "margin", "margin-bottom", "margin-left", "margin-right", "margin-top", "max-width",
    "min-width", "padding", "padding-bottom", "padding-left", "padding-right", "padding-top", "text-align",
    "text-decoration", "vertical-align", "white-space", "width",
}
_URL_SCHEMES = {"http", "https", "mailto", "data"}
_SAFE_OUTPUTS = {"text/plain", "image/png", "image/jpeg", "image/svg+xml", "text/latex", "application/json"}


def _url_filter(element: str, attribute: str, value: str) -> str | None:
    """A ``data:`` URL only as an embedded image (``<img src="data:image/png;base64,...">``), never a link."""
    if attribute in ("href", "src") and value.strip().lower().startswith("data:"):
        if not (element == "img" and attribute == "src" and value.strip().lower().startswith("data:image/")):
            return None
    return value


def sanitize_html(markup: str) -> str:
    """``markup`` with only the tags, attributes, CSS properties and URL schemes a report page may show.

    Returns
    -------
    str
        Sanitised HTML (nh3): no script, no style element, no event handler, no ``javascript:`` URL,
        no comment; text that looked like markup is escaped.

    Examples
    --------
    >>> sanitize_html('<td onclick="alert(1)">a</td><script>alert(1)</script><b>b</b>')
    'a<b>b</b>'
    """
    import nh3

    return nh3.clean(
        markup, tags=_TAGS, clean_content_tags={"script", "style"}, attributes=_ATTRIBUTES,
        attribute_filter=_url_filter, url_schemes=_URL_SCHEMES, filter_style_properties=_STYLE_PROPERTIES,
        strip_comments=True, link_rel="noopener noreferrer",
    )


def markdown_to_html(text: str) -> str:
    """A notebook's Markdown output as sanitised HTML, any HTML inside it shown as text.

    The narrative writes data values (segment values, plan names, event names) into Markdown, so
    ``<`` and ``&`` in it are escaped before rendering: a plan named ``<script>`` reads
    ``&lt;script&gt;``. The rendered HTML then goes through :func:`sanitize_html`, which also drops
    a ``[link](javascript:...)``.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> markdown_to_html("Top plan: **<b>pro</b>** [x](javascript:alert(1))")
    '<p>Top plan: <strong>&lt;b&gt;pro&lt;/b&gt;</strong> <a rel="noopener noreferrer">x</a></p>\\n'
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return sanitize_html(markdown2html_mistune(escaped))


def page_output(output):
    """One output as a page shows it, or None when it is left off the page."""
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        return None
    if "data" not in output:
        return output
    data = {}
    for key, value in output["data"].items():
        text = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else value
        if key in _SAFE_OUTPUTS:
            data[key] = value
        elif key == "text/html":
            data[key] = sanitize_html(text)
        elif key == "text/markdown" and "text/html" not in output["data"]:
            data["text/html"] = markdown_to_html(text)
    if not data:
        return None
    output["data"] = data
    return output
