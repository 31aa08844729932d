"""``phsync pull``: live drift written back into the manifests.

:func:`plan_pull` is pure: from a plan and the live state, the edits per file and what pull
reports without writing. The files themselves are read, rewritten and written by
:mod:`reconciler.pull.files`.
"""

from reconciler.pull.edit import REMOVE, Edit, apply_edits
from reconciler.pull.overrides import Site, sites
from reconciler.pull.planner import Finding, PullPlan, Written, plan_pull, undeclared

__all__ = [
    "REMOVE",
    "Edit",
    "Finding",
    "PullPlan",
    "Site",
    "Written",
    "apply_edits",
    "plan_pull",
    "sites",
    "undeclared",
]
