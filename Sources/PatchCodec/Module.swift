/// Module PatchCodec: see ../shared/DESIGN.md for what it owns.
