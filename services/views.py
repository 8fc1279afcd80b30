"""Pages of the services app; thin: parse the request, call services/selectors, render."""
