"""The book drop: reads each returned item, checks it in, re-secures it and
routes it to the right bin."""
