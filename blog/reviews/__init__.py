"""Reviews: works, people, credits, scores and reader corrections."""
