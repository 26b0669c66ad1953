"""Assessment rules of the Ministry's circulars, as plain Python (no Django import).

Use `registry.regulation_for(start_year, grade)` to get the regulation of a class-year.
"""
