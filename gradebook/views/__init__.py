"""The gradebook's pages, one module per area: school (home, classes, students), grid (score entry),
corrections, locks, homeroom (attendance, conduct, discipline), results (approval, summer, delegation),
reports (progress, statistics), lifecycle (moves, transfers, rollover, family accounts), office (the
province and commune offices). Views are thin: they check the right, parse the form, call a service or
a selector, render."""
