"""Small fixes to the generated HTML, so that pages load without console errors.

sphinx-thebe 0.3.1 (pulled in by Jupyter Book 1.x) registers its inline
configuration script twice, and the second ``const THEBE_JS_URL`` declaration is
a JavaScript error on every page. This extension drops exact duplicate scripts.
"""

from __future__ import annotations

from typing import Any


def _dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = dict(getattr(script, "attributes", None) or {})
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
