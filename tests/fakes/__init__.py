"""Fakes of the platforms' servers, for tests that go through the real client libraries."""
