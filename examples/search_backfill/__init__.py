from search_backfill.backfill import BackfillResult, backfill

__all__ = ["BackfillResult", "backfill"]
