"""Pages of the party app; thin: parse the request, call services/selectors, render."""
