"""The promotion gate: a candidate replaces the current model only if it is calibrated and better. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ml.models import ModelSpec

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Decision:
    """Promote or not, and why (recorded in the registry either way)."""

    promote: bool
    reason: str


def decide(
    spec: ModelSpec,
    candidate: dict[str, Any],
    baselines: dict[str, dict[str, Any]],
    current: dict[str, Any] | None,
    current_version: str | None = None,
) -> Decision:
    """`candidate` and `current` are metrics on the same holdout (current None: no model yet).
    A candidate whose calibration is off is refused whatever its primary metric."""
    off = spec.miscalibrated(candidate)
    if off:
        return Decision(False, f"calibration off: {'; '.join(off)}")
    lost = spec.beats(candidate, baselines)
    mine = spec.value(candidate)
    if lost:
        return Decision(False, f"{spec.primary} {mine:.4f} does not beat the baseline(s) {', '.join(lost)}")
    if current is None:
        return Decision(True, f"first model; {spec.primary} {mine:.4f} beats every baseline")
    theirs, who = spec.value(current), current_version or "the current model"
    better = mine > theirs + TOLERANCE if spec.higher_is_better else mine < theirs - TOLERANCE
    if not better:
        return Decision(
            False,
            f"{spec.primary} {mine:.4f} is not better than {who}'s {theirs:.4f} on the same holdout",
        )
    return Decision(True, f"{spec.primary} {mine:.4f} improves on {who}'s {theirs:.4f}")
