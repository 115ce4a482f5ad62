"""End-to-end tests: real servers on loopback and a real headless Chromium."""
