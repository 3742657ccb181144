"""The analyst's prompt: a template file whose version is recorded with every answer.

`prompts/weekly_analyst.md` holds a front matter with `version`, then the
`[system]` and `[user]` messages; the user message is a Jinja template over
the week's compact input. Change the wording, bump the version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

PROMPT_FILE = Path(__file__).parent / "prompts" / "weekly_analyst.md"
_FRONT = re.compile(r"\A---\n(?P<front>.*?)\n---\n(?P<body>.*)\Z", re.S)
_MESSAGE = re.compile(r"^\[(system|user)\]\n", re.M)


@dataclass(frozen=True)
class Prompt:
    version: str
    system: str
    user_template: str

    def messages(self, *, week: str, previous_week: str, data: str) -> list[dict[str, str]]:
        user = jinja2.Template(self.user_template, undefined=jinja2.StrictUndefined).render(
            week=week, previous_week=previous_week, data=data
        )
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


def load_prompt(path: Path = PROMPT_FILE) -> Prompt:
    match = _FRONT.match(path.read_text())
    if not match:
        raise ValueError(f"{path}: expected a front matter between --- lines")
    front = dict(line.split(":", 1) for line in match["front"].splitlines() if ":" in line)
    version = front.get("version", "").strip()
    if not version:
        raise ValueError(f"{path}: the front matter has no version")
    parts = _MESSAGE.split(match["body"])
    messages = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(messages) != {"system", "user"}:
        raise ValueError(f"{path}: expected one [system] and one [user] message")
    return Prompt(version=version, system=messages["system"], user_template=messages["user"])
