"""A quick-reply phrase and the phrase file, validated (pure: no I/O).

File shape (``quick_replies.yaml``)::

    phrases:
      - group: 问候          # scene; the picker browses groups with Tab
        code: hi             # shortcut code: unique, ≥ 2 chars, letters/digits/_-
        title: 欢迎语
        text: 亲，您好！{cursor}
        tags: [开场]          # optional
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cs_console.domain.placeholders import unknown_placeholders

CODE_RE = re.compile(r"[A-Za-z0-9_\-]{2,32}\Z")  # \Z: also safe with .match


class Phrase(BaseModel):
    """One phrase: group (scene), shortcut code, title, text with placeholders, tags."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str = Field(min_length=1, description="scene (场景), e.g. 问候")
    code: str = Field(description="shortcut code, unique, ≥ 2 chars; typed as /code in a draft")
    title: str = Field(min_length=1)
    text: str
    tags: tuple[str, ...] = ()
    personal: bool = Field(False, exclude=True, description="set by the loader for an agent's own phrases")

    @field_validator("group", "title")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("不能为空")
        return v

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        v = v.strip()
        if len(v) < 2:
            raise ValueError(f"编码「{v}」太短（至少 2 个字符）")
        if not CODE_RE.fullmatch(v):
            raise ValueError(f"编码「{v[:40]}」只能用字母、数字、_ 和 -（2–32 个字符）")
        return v.lower()

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("内容为空")
        unknown = unknown_placeholders(v)
        if unknown:
            raise ValueError("未知的占位符 " + ", ".join("{" + u + "}" for u in dict.fromkeys(unknown)))
        return v.rstrip("\n")


class PhraseFile(BaseModel):
    """The whole file. Duplicate codes are checked by the loader (it knows their lines)."""

    model_config = ConfigDict(extra="forbid")

    phrases: list[Phrase] = []

