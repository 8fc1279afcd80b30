"""走访 of vulnerable residents, 敲门行动 campaigns and daily grid patrols."""
