"""议事协商: matters raised by residents, the six-step loop, meetings and minutes."""
