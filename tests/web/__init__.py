"""Tests of the OpenAPI document, the docs page and the schemathesis run against a live server."""
