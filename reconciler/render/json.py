"""The plan as JSON: the documented, versioned format that `apply --plan` reads back."""

from __future__ import annotations

import json
from typing import TextIO

from reconciler.plan import Plan


def render(plan: Plan, stream: TextIO, *, color: bool = False) -> None:
    json.dump(plan.to_dict(), stream, indent=2, ensure_ascii=False, default=str)
    stream.write("\n")
