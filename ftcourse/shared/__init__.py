"""What every role of the course stands on: paths, assets, data, profiles, metrics."""
