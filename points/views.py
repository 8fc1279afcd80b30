"""Pages of the points app; thin: parse the request, call services/selectors, render."""
