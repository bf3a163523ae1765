"""Drawing training's tables that more than one page shows."""

from core.training import LearnerRow
from ui.tables import Column, count_col, table, text_col


def learners_table(rows: list[LearnerRow], completed: Column) -> None:
    """Each learner's courses begun: modules read, attempts, best score, when completed
    (`completed`: the column that shows it, a day or a time)."""
    table([{"learner": r.learner, "course": r.course,
            "read": f"{r.modules_done} of {r.modules}", "attempts": r.attempts,
            "best": r.best_score, "completed": r.completed_at} for r in rows],
          {"learner": text_col("Learner", 160), "course": text_col("Course", 220),
           "read": text_col("Modules read", 110), "attempts": count_col("Attempts", 80),
           "best": count_col("Best score %", 100), "completed": completed})
