"""What an instructor runs: build student versions, validate assignments (grading comes later)."""
