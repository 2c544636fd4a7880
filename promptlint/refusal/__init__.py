"""Offline refusal detection for model responses (`promptlint classify`)."""

from promptlint.refusal.detector import LABELS, Verdict, detect

__all__ = ["LABELS", "Verdict", "detect"]
