"""Pages for people: the OpenAPI document of the API and the Swagger UI page that shows it."""
