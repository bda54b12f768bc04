"""The read-only JSON API under ``/api/v1/`` and the personal API tokens that open it."""
