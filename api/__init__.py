"""The REST API (FastAPI) over the same core services and permission checks as the pages:
`uvicorn api.app:app` (make run serves it on PRM_API_PORT, 8502 by default)."""
