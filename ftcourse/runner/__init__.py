"""Runs the course end to end (`make course`, `ftcourse run`)."""
