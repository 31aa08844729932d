"""Render a plan's markdown comment as GitHub shows it and take a picture of it.

    python scripts/plan_comment_screenshot.py COMMENT.md docs/plan-comment.png

The markdown is turned into HTML by a CommonMark parser with GitHub's tables (markdown-it-py,
as the tests use), every <details> opened, styled like a GitHub comment, and photographed by
headless Chromium (`CHROMIUM`, default /usr/bin/chromium; Debian's package `chromium`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt

STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       color: #1f2328; background: #fff; margin: 0; padding: 16px; }
.comment { border: 1px solid #d1d9e0; border-radius: 6px; max-width: 860px; }
.header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
          color: #59636e; border-radius: 6px 6px 0 0; }
.body { padding: 16px; }
h3 { margin-top: 0; font-size: 1.25em; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       background: rgba(129,139,152,0.12); padding: .2em .4em; border-radius: 6px; }
details { margin: 8px 0; } summary { cursor: pointer; }
table { border-collapse: collapse; } td, th { border: 1px solid #d1d9e0; padding: 6px 13px; }
ul { padding-left: 2em; }
"""


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, picture = Path(argv[0]), Path(argv[1]).resolve()
    body = MarkdownIt("commonmark").enable("table").render(source.read_text(encoding="utf-8"))
    body = body.replace("<details>", "<details open>")
    html = (
        f"<!doctype html><meta charset='utf-8'><style>{STYLE}</style>"
        "<div class='comment'><div class='header'><b>github-actions</b> commented</div>"
        f"<div class='body'>{body}</div></div>"
    )
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "comment.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                f"--user-data-dir={tmp}/profile", f"--screenshot={picture}",
                "--window-size=900,720", page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {picture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
