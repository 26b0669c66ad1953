"""Read-side queries shaped for pages: few queries, whole classes at once."""
