/// Module Pipeline: see ../shared/DESIGN.md for what it owns.
