"""What a student's notebook calls: the lesson set-up (and, as lessons land, their checks)."""
