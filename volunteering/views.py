"""Pages of the volunteering app; thin: parse the request, call services/selectors, render."""
