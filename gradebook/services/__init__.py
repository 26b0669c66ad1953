"""The only code that writes gradebook data: checks the right, validates, writes with history."""
