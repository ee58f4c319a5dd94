/// Module EBT: see ../shared/DESIGN.md for what it owns.
