"""Reading and checking files for imports: the per-kind rules are in
`integrations.importers`, the writes in `integrations.services`."""
