"""Code references: where source trees read feature flags, and which flags they no longer read.

The public API::

    compile_forms(patterns) -> Forms                 the SDK call forms plus user patterns
    walk(root, exclude) -> [Path]                    source files, .gitignore honoured
    scan(roots, forms, exclude) -> [CodeRef]         every flag key read in code, file:line
    findings(declared, refs) -> Findings             unreferenced flags, undeclared keys
"""

from __future__ import annotations

from reconciler.coderefs.forms import Forms, compile_forms, user_pattern
from reconciler.coderefs.report import Findings, Undeclared, findings
from reconciler.coderefs.scan import CodeRef, scan, scan_file
from reconciler.coderefs.walk import SKIPPED_DIRS, walk

__all__ = [
    "SKIPPED_DIRS",
    "CodeRef",
    "Findings",
    "Forms",
    "Undeclared",
    "compile_forms",
    "findings",
    "scan",
    "scan_file",
    "user_pattern",
    "walk",
]
