"""The role x route matrix: one module per domain, each with `build(make, people)` and `CASES`.

`tests/test_route_matrix.py` runs every case for every caller and fails when a route under
/api/v1 has no case. See `base.py` for the shape of a case.
"""
