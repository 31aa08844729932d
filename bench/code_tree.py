"""A generated source repository for `phsync refs`: files in the languages PostHog's SDKs
serve, a share of them reading flags through the SDK calls of their language, plus vendored
and ignored folders that a scan must skip; and the manifests that declare the flags.

Files are 1 to 4 KB of plausible code (functions, imports, comments); about 4 % of them
read one to three flags. A tenth of the declared flags are never read (removal candidates)
and a few keys read in code are declared nowhere (typos), so the scan has findings to report.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

# (extension, a line that reads flag {key} in that language)
LANGUAGES: tuple[tuple[str, str], ...] = (
    (".ts", "  if (posthog.isFeatureEnabled('{key}')) {{ render() }}"),
    (".tsx", '  const enabled = useFeatureFlagEnabled("{key}")'),
    (".js", "  const variant = posthog.getFeatureFlag(`{key}`)"),
    (".py", "    if posthog.feature_enabled('{key}', user.distinct_id):"),
    (".go", '\ton, _ := client.IsFeatureEnabled(posthog.FeatureFlagPayload{{Key: "{key}"}})'),
    (".rb", "    return unless posthog.is_feature_enabled('{key}', user.id)"),
    (".php", "    if (PostHog::isFeatureEnabled('{key}', $user)) {{"),
    (".java", '    if (posthog.isFeatureEnabled(user.getId(), "{key}")) {{'),
    (".kt", '    if (PostHog.isFeatureEnabled("{key}")) {{'),
    (".swift", '    if PostHogSDK.shared.isFeatureEnabled("{key}") {{'),
    (".dart", "    if (await Posthog().isFeatureEnabled('{key}')) {{"),
)
_FILLER = (
    "// Copyright the authors. Licensed under the MIT licence.",
    "import {{ {a} }} from './{b}'",
    "function {a}{n}(input, options = {{}}) {{",
    "  const result = compute{n}(input.{b}, options.{a} ?? {n})",
    "  if (result.length > {n}) {{ return result.slice(0, {n}) }}",
    "  // {a} keeps the {b} in sync with the server's state",
    "  for (const item of items) {{ total += item.{a} * {n} }}",
    "  return {{ {a}: result, {b}: total, feature: '{a}-{n}' }}",
    "}}",
)
_WORDS = (
    "account", "billing", "cart", "search", "profile", "order", "invoice", "session",
    "report", "widget", "banner", "pricing", "settings", "team", "upload", "export",
)  # fmt: skip


@dataclass(frozen=True)
class CodeTree:
    files: int  # source files a scan reads (vendored and ignored ones not counted)
    references: int  # references in those files
    declared: tuple[str, ...]  # flags the manifests declare
    keys: tuple[str, ...]  # every key the code reads


def _filler(rng: random.Random, size: int) -> list[str]:
    lines: list[str] = []
    while sum(len(line) + 1 for line in lines) < size:
        template = rng.choice(_FILLER)
        a, b = rng.choice(_WORDS), rng.choice(_WORDS)
        lines.append(template.format(a=a, b=b, n=rng.randrange(1000)))
    return lines


def write_code_tree(root: Path, files: int, *, flags: int = 300, seed: int = 7) -> CodeTree:
    """Write ``files`` source files under ``root/src`` and the manifests of ``flags`` flags
    under ``root/flags``; vendored (node_modules) and ignored (.gitignore'd) copies too."""
    rng = random.Random(seed)
    keys = [f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{index}" for index in range(flags)]
    declared = keys[: flags - flags // 10]  # the last tenth: never read (removal candidates)
    read_keys = [*declared, *(f"{key}-typo" for key in declared[:3])]
    (root / "flags").mkdir(parents=True, exist_ok=True)
    for key in keys:
        (root / "flags" / f"{key}.yaml").write_text(
            f"kind: FeatureFlag\nkey: {key}\nname: {key}\nfilters:\n  groups:\n"
            "    - rollout_percentage: 50\n",
            encoding="utf-8",
        )
    references = 0
    used: set[str] = set()
    src = root / "src"
    per_folder = 50
    for index in range(files):
        folder = src / f"module{index // (per_folder * 20)}" / f"part{index // per_folder}"
        if index % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
        extension, template = LANGUAGES[index % len(LANGUAGES)]
        lines = _filler(rng, rng.randrange(1000, 4000))
        if index < len(read_keys) or rng.random() < 0.04:
            chosen = [read_keys[index]] if index < len(read_keys) else []
            chosen += rng.sample(declared, rng.randrange(0 if chosen else 1, 3))
            for key in chosen:
                lines.insert(rng.randrange(len(lines) + 1), template.format(key=key))
                used.add(key)
            references += len(chosen)
        (folder / f"file{index}{extension}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # What a scan must skip: dependencies, build output, and an ignored folder.
    skipped = "\n".join(
        ["  if (posthog.isFeatureEnabled('vendored-flag')) {}"] + _filler(rng, 2000)
    )
    for skipped_dir in ("node_modules/some-sdk/lib", "dist", "generated/api"):
        (src / skipped_dir).mkdir(parents=True, exist_ok=True)
        for n in range(20):
            (src / skipped_dir / f"vendored{n}.js").write_text(skipped, encoding="utf-8")
    (root / ".gitignore").write_text("src/generated/\n", encoding="utf-8")
    return CodeTree(files, references, tuple(declared + keys[len(declared) :]), tuple(sorted(used)))
