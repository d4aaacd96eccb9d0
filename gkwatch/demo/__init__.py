"""Demo portal network: fictional agencies, their annual reports and the pages that
publish them, plus the plan of what a correct monitor must find there.

    from gkwatch.demo.site import build_site, apply_edit
    plan = build_site(Path("/tmp/site"), report_year=2025, seed=7)
"""
