"""Side-by-side CORS benchmarks (`make bench`)."""
